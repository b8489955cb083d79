<?php
/** Activation (tables, cron), deactivation (cron), schema upgrades. */

if (!defined('ABSPATH')) {
    exit;
}

function harmonyuser_bridge_install_tables() {
    global $wpdb;
    require_once ABSPATH . 'wp-admin/includes/upgrade.php';
    $charset = $wpdb->get_charset_collate();
    $queue = harmonyuser_bridge_queue_table();
    $tomb = harmonyuser_bridge_tombstone_table();
    dbDelta("CREATE TABLE $queue (
  id bigint(20) unsigned NOT NULL AUTO_INCREMENT,
  event_id varchar(36) NOT NULL,
  webhook_id varchar(64) NOT NULL,
  event varchar(40) NOT NULL,
  user_id bigint(20) unsigned NOT NULL DEFAULT 0,
  body longtext NOT NULL,
  status varchar(16) NOT NULL DEFAULT 'pending',
  attempts int(11) NOT NULL DEFAULT 0,
  next_attempt_at bigint(20) NOT NULL DEFAULT 0,
  locked_until bigint(20) NOT NULL DEFAULT 0,
  last_status int(11) NOT NULL DEFAULT 0,
  last_error text NULL,
  created_at bigint(20) NOT NULL DEFAULT 0,
  delivered_at bigint(20) NOT NULL DEFAULT 0,
  PRIMARY KEY  (id),
  UNIQUE KEY event_webhook (event_id,webhook_id),
  KEY status_next (status,next_attempt_at)
) $charset;");
    dbDelta("CREATE TABLE $tomb (
  id bigint(20) unsigned NOT NULL AUTO_INCREMENT,
  user_id bigint(20) unsigned NOT NULL,
  login varchar(60) NOT NULL DEFAULT '',
  email varchar(100) NOT NULL DEFAULT '',
  sync_id varchar(36) NOT NULL DEFAULT '',
  deleted_at varchar(20) NOT NULL,
  PRIMARY KEY  (id),
  KEY deleted_at (deleted_at)
) $charset;");
    update_option('harmonyuser_bridge_db_version', HARMONYUSER_BRIDGE_DB_VERSION, false);
}

function harmonyuser_bridge_activate() {
    global $wpdb;
    harmonyuser_bridge_install_tables();
    // Users that existed before the plugin count as changed at their registration time (one query, no loop).
    $wpdb->query($wpdb->prepare(
        "INSERT INTO {$wpdb->usermeta} (user_id, meta_key, meta_value)
         SELECT u.ID, %s, DATE_FORMAT(u.user_registered, '%%Y-%%m-%%dT%%H:%%i:%%sZ') FROM {$wpdb->users} u
         WHERE NOT EXISTS (SELECT 1 FROM {$wpdb->usermeta} m WHERE m.user_id = u.ID AND m.meta_key = %s)",
        'harmonyuser_last_changed',
        'harmonyuser_last_changed'
    ));
    harmonyuser_bridge_note_change(harmonyuser_bridge_now_iso());
    if (!wp_next_scheduled(HARMONYUSER_BRIDGE_CRON_HOOK)) {
        wp_schedule_event(time() + 60, 'harmonyuser_five_minutes', HARMONYUSER_BRIDGE_CRON_HOOK);
    }
}

function harmonyuser_bridge_deactivate() {
    wp_clear_scheduled_hook(HARMONYUSER_BRIDGE_CRON_HOOK);
}

add_filter('cron_schedules', function ($schedules) {
    $schedules['harmonyuser_five_minutes'] = array('interval' => 300, 'display' => 'Every five minutes (HarmonyUser Sync)');
    return $schedules;
});

// Tables created by an older version, or a plugin symlinked without activation: make sure they exist.
add_action('plugins_loaded', function () {
    if (get_option('harmonyuser_bridge_db_version') !== HARMONYUSER_BRIDGE_DB_VERSION) {
        harmonyuser_bridge_install_tables();
    }
});
