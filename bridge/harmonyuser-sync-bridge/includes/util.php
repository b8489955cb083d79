<?php
/** Small shared helpers. */

if (!defined('ABSPATH')) {
    exit;
}

/** Current time as ISO 8601 UTC with second precision (sortable as a string). */
function harmonyuser_bridge_now_iso($ts = null) {
    return gmdate('Y-m-d\TH:i:s\Z', $ts === null ? time() : (int) $ts);
}

/** A site URL without trailing slash, for comparisons. */
function harmonyuser_bridge_norm_url($url) {
    return untrailingslashit(strtolower(trim((string) $url)));
}

/** True for a well-formed UUID (any version; lower or upper case). */
function harmonyuser_bridge_is_uuid($value) {
    return is_string($value) && (bool) preg_match('/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i', $value);
}

function harmonyuser_bridge_queue_table() {
    global $wpdb;
    return $wpdb->prefix . 'harmonyuser_queue';
}

function harmonyuser_bridge_tombstone_table() {
    global $wpdb;
    return $wpdb->prefix . 'harmonyuser_tombstones';
}
