<?php
/**
 * Uninstall: drops the queue and tombstone tables, deletes the options, the scheduled cron events and the
 * plugin's user meta. Runs without the plugin's code loaded.
 */

if (!defined('WP_UNINSTALL_PLUGIN')) {
    exit;
}

global $wpdb;

$harmonyuser_tables = array($wpdb->prefix . 'harmonyuser_queue', $wpdb->prefix . 'harmonyuser_tombstones');
foreach ($harmonyuser_tables as $harmonyuser_table) {
    $wpdb->query("DROP TABLE IF EXISTS `$harmonyuser_table`"); // phpcs:ignore WordPress.DB.PreparedSQL.InterpolatedNotPrepared
}

delete_option('harmonyuser_bridge_webhooks');
delete_option('harmonyuser_bridge_db_version');
delete_option('harmonyuser_bridge_last_change');
delete_option('harmonyuser_bridge_backfill_cursor');
// Versions (includes/versions.php): the site's id and clock.
delete_option('harmonyuser_site_id');
delete_option('harmonyuser_bridge_clock');
// The guard, the settings screen, the queue and the network key (guard.php, admin.php, webhooks.php, queue.php, crypto.php).
foreach (array('read_only', 'allowlist_enabled', 'allowlist', 'trusted_proxies', 'allow_local_receivers', 'new_subscriptions', 'event_errors', 'queue_format', 'network_key', 'hash_formats', 'runner_key', 'receiver_backoff') as $harmonyuser_option) {
    delete_option('harmonyuser_bridge_' . $harmonyuser_option);
}
$wpdb->query("DELETE FROM {$wpdb->options} WHERE option_name LIKE '\\_transient\\_%harmonyuser\\_bridge\\_flash\\_%'"); // phpcs:ignore WordPress.DB.DirectDatabaseQuery

wp_clear_scheduled_hook('harmonyuser_bridge_run_queue');
wp_clear_scheduled_hook('harmonyuser_bridge_run_queue', array('retry'));

foreach (array('harmonyuser_sync_id', 'harmonyuser_sync_linked', 'harmonyuser_prohibit_propagation', 'harmonyuser_reject_incoming', 'harmonyuser_last_changed', 'harmonyuser_versions') as $harmonyuser_key) {
    $wpdb->delete($wpdb->usermeta, array('meta_key' => $harmonyuser_key)); // phpcs:ignore WordPress.DB.SlowDBQuery
}
wp_cache_flush();
