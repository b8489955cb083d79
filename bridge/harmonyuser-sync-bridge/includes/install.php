<?php
/**
 * Activation (tables, cron, the sync id backfill), deactivation (cron), upgrades (tables and the same backfill,
 * a time-bounded slice per request, one request at a time).
 */

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
  KEY status_next (status,next_attempt_at),
  KEY user_webhook (user_id,webhook_id)
) $charset;");
    dbDelta("CREATE TABLE $tomb (
  id bigint(20) unsigned NOT NULL AUTO_INCREMENT,
  user_id bigint(20) unsigned NOT NULL,
  login varchar(60) NOT NULL DEFAULT '',
  email varchar(100) NOT NULL DEFAULT '',
  sync_id varchar(36) NOT NULL DEFAULT '',
  deleted_at varchar(20) NOT NULL,
  version varchar(64) NOT NULL DEFAULT '',
  PRIMARY KEY  (id),
  KEY deleted_at (deleted_at),
  KEY sync_id (sync_id)
) $charset;");
    harmonyuser_bridge_version_old_tombstones();
}

/**
 * Tombstones written before versions (DB version 2) get the best version their time allows: the deletion's second,
 * counter 0, this site's id. Weaker than a clock reading (two changes within that second are not ordered).
 */
function harmonyuser_bridge_version_old_tombstones() {
    global $wpdb;
    $tomb = harmonyuser_bridge_tombstone_table();
    $rows = $wpdb->get_results("SELECT id, deleted_at FROM $tomb WHERE version = '' LIMIT 10000");
    foreach ((array) $rows as $r) {
        $ts = strtotime($r->deleted_at);
        if ($ts) {
            $wpdb->update($tomb, array('version' => sprintf('%017d.0000.%s', $ts * 1000000, harmonyuser_bridge_site_id())), array('id' => $r->id));
        }
    }
}

/** Where an unfinished backfill goes on: the last user id covered. */
define('HARMONYUSER_BRIDGE_BACKFILL_OPTION', 'harmonyuser_bridge_backfill_cursor');

/** Users per backfill statement: each statement covers one range of user ids. */
function harmonyuser_bridge_backfill_chunk() {
    return max(100, (int) apply_filters('harmonyuser_bridge_backfill_chunk', 5000));
}

/**
 * A lower-case UUID (version 4 layout, variant 10xx) computed in SQL from a 32-hex-digit expression, which is
 * evaluated once per row (nested INSERT()s: MD5 is the costly part). The variant's two bits come from $n (the user
 * id). The users of one backfill get MD5(random salt of 128 bits, user id): distinct from each other, unpredictable
 * across sites, and no row needs a round trip to PHP.
 */
function harmonyuser_bridge_sql_uuid($hex, $n) {
    return "INSERT(INSERT(INSERT(INSERT(INSERT(INSERT($hex, 13, 1, '4'), 17, 1, SUBSTRING('89ab', MOD($n, 4) + 1, 1)),"
        . " 9, 0, '-'), 14, 0, '-'), 19, 0, '-'), 24, 0, '-')";
}

/**
 * Gives every user without one a provisional sync id (harmonyuser_sync_linked stays empty) and a last-changed time
 * (their registration: users that existed before the plugin count as changed then), by INSERT … SELECT over ranges
 * of harmonyuser_bridge_backfill_chunk() user ids: no PHP loop over users, no hooks, no events. Resumable: the
 * option HARMONYUSER_BRIDGE_BACKFILL_OPTION keeps the last id covered. Returns true when all users are covered,
 * false when $budget (seconds) ran out first. Callers hold the upgrade lock.
 *
 * Which users lack a key is asked per user (NOT EXISTS), which reads all of a user's meta rows (WordPress indexes
 * user_id and meta_key apart): most of the time on big sites. $activating skips that question for a key that no
 * user has at all when the backfill starts, the usual first activation: the plugin is not active anywhere else
 * then, so nothing else writes that key meanwhile.
 */
function harmonyuser_bridge_backfill($budget = null, $activating = false) {
    global $wpdb;
    $started = microtime(true);
    $chunk = harmonyuser_bridge_backfill_chunk();
    $after = (int) get_option(HARMONYUSER_BRIDGE_BACKFILL_OPTION, 0);
    if ($after === 0) {
        // An empty sync id row would read as "no id" and hide the user from the NOT EXISTS below.
        $wpdb->query("DELETE FROM {$wpdb->usermeta} WHERE meta_key = 'harmonyuser_sync_id' AND meta_value = ''");
    }
    $values = array(
        'harmonyuser_sync_id' => harmonyuser_bridge_sql_uuid($wpdb->prepare('MD5(CONCAT(%s, u.ID))', bin2hex(random_bytes(16))), 'u.ID'),
        'harmonyuser_last_changed' => "DATE_FORMAT(u.user_registered, '%Y-%m-%dT%H:%i:%sZ')",
    );
    $lacks = array();
    foreach (array_keys($values) as $key) {
        $nobody = $activating && $after === 0
            && !$wpdb->get_var($wpdb->prepare("SELECT 1 FROM {$wpdb->usermeta} WHERE meta_key = %s LIMIT 1", $key));
        $lacks[$key] = $nobody ? '' : "AND NOT EXISTS (SELECT 1 FROM {$wpdb->usermeta} m WHERE m.user_id = u.ID AND m.meta_key = '$key')";
    }
    do {
        $upto = $wpdb->get_var($wpdb->prepare("SELECT ID FROM {$wpdb->users} WHERE ID > %d ORDER BY ID LIMIT %d, 1", $after, $chunk - 1));
        $range = $upto === null ? $wpdb->prepare('u.ID > %d', $after) : $wpdb->prepare('u.ID > %d AND u.ID <= %d', $after, (int) $upto);
        foreach ($values as $key => $value) {
            $inserted = $wpdb->query(
                "INSERT INTO {$wpdb->usermeta} (user_id, meta_key, meta_value)
                 SELECT u.ID, '$key', $value FROM {$wpdb->users} u WHERE $range {$lacks[$key]}"
            );
            if ($inserted === false) {
                return false; // wpdb logged the error; the next request tries this range again
            }
        }
        if ($upto === null) {
            delete_option(HARMONYUSER_BRIDGE_BACKFILL_OPTION);
            return true;
        }
        $after = (int) $upto;
        update_option(HARMONYUSER_BRIDGE_BACKFILL_OPTION, $after, false);
    } while ($budget === null || microtime(true) - $started < $budget);
    return false;
}

/**
 * Brings the site to HARMONYUSER_BRIDGE_DB_VERSION: tables, then the backfill, at most $budget seconds of it.
 * One request at a time (a MariaDB/MySQL named lock, freed even if the request dies); the version is recorded only
 * once the backfill is complete, so the next request goes on where this one stopped. $fresh (activation) starts
 * over: users registered while the plugin was inactive got no id. Returns true when the site is up to date.
 */
function harmonyuser_bridge_upgrade($fresh = false, $budget = null) {
    global $wpdb;
    $lock = 'hus_up_' . md5(DB_NAME . '|' . $wpdb->prefix);
    if ((string) $wpdb->get_var($wpdb->prepare('SELECT GET_LOCK(%s, %d)', $lock, $fresh ? 30 : 0)) !== '1') {
        return false;
    }
    $option = 'harmonyuser_bridge_db_version';
    $stored = $wpdb->get_var($wpdb->prepare("SELECT option_value FROM {$wpdb->options} WHERE option_name = %s", $option));
    $done = !$fresh && $stored === HARMONYUSER_BRIDGE_DB_VERSION; // another request just finished it
    if (!$done) {
        if ($fresh) {
            delete_option($option);
            delete_option(HARMONYUSER_BRIDGE_BACKFILL_OPTION);
        }
        if (!get_option(HARMONYUSER_BRIDGE_BACKFILL_OPTION)) {
            harmonyuser_bridge_install_tables();
        }
        $done = harmonyuser_bridge_backfill($budget, $fresh);
        harmonyuser_bridge_forget_user_meta();
        if ($done) {
            update_option($option, HARMONYUSER_BRIDGE_DB_VERSION, false);
        }
    }
    $wpdb->query($wpdb->prepare('SELECT RELEASE_LOCK(%s)', $lock));
    return $done;
}

/** Rows written by SQL: cached user meta (a persistent object cache included) must not hide them. */
function harmonyuser_bridge_forget_user_meta() {
    if (function_exists('wp_cache_supports') && wp_cache_supports('flush_group')) {
        wp_cache_flush_group('user_meta');
    } else {
        wp_cache_flush();
    }
}

function harmonyuser_bridge_activate() {
    // Up to 20 s here; a bigger site goes on in the next requests (harmonyuser_bridge_upgrade on plugins_loaded).
    harmonyuser_bridge_upgrade(true, 20);
    harmonyuser_bridge_note_change(harmonyuser_bridge_now_iso());
    if (!wp_next_scheduled(HARMONYUSER_BRIDGE_CRON_HOOK)) {
        wp_schedule_event(time() + 60, 'harmonyuser_five_minutes', HARMONYUSER_BRIDGE_CRON_HOOK);
    }
}

function harmonyuser_bridge_deactivate() {
    wp_clear_scheduled_hook(HARMONYUSER_BRIDGE_CRON_HOOK);
}

/** Adds the schedule harmonyuser_five_minutes (the queue's safety net). */
function harmonyuser_bridge_cron_schedules($schedules) {
    $schedules['harmonyuser_five_minutes'] = array('interval' => 300, 'display' => 'Every five minutes (HarmonyUser Sync)');
    return $schedules;
}

/**
 * A site upgraded from an older version (or a plugin symlinked without activation): tables and the backfill, about
 * one second of it per request (harmonyuser_bridge_upgrade_budget, seconds; 0 = one chunk), in one request at a time
 * (the others go on at once).
 */
function harmonyuser_bridge_maybe_upgrade() {
    if (get_option('harmonyuser_bridge_db_version') !== HARMONYUSER_BRIDGE_DB_VERSION) {
        harmonyuser_bridge_upgrade(false, max(0, (float) apply_filters('harmonyuser_bridge_upgrade_budget', 1)));
    }
}
