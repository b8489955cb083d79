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

wp_clear_scheduled_hook('harmonyuser_bridge_run_queue');
wp_clear_scheduled_hook('harmonyuser_bridge_run_queue', array('retry'));

foreach (array('harmonyuser_sync_id', 'harmonyuser_sync_linked', 'harmonyuser_prohibit_propagation', 'harmonyuser_reject_incoming', 'harmonyuser_last_changed') as $harmonyuser_key) {
    $wpdb->delete($wpdb->usermeta, array('meta_key' => $harmonyuser_key)); // phpcs:ignore WordPress.DB.SlowDBQuery
}
wp_cache_flush();
