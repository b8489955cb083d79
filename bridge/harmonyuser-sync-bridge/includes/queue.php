<?php
/**
 * The durable outgoing queue: one row per (event, subscription) in {prefix}harmonyuser_queue, written before any
 * delivery attempt. Rows are claimed atomically before sending, so each is delivered at most once at a time and
 * marked 'delivered' on a 2xx answer; failures retry with exponential backoff (30 s * 2^n, capped at 1 h) and
 * become 'failed' (kept for inspection) after HARMONYUSER_BRIDGE_MAX_ATTEMPTS attempts.
 */

if (!defined('ABSPATH')) {
    exit;
}

if (!defined('HARMONYUSER_BRIDGE_MAX_ATTEMPTS')) {
    define('HARMONYUSER_BRIDGE_MAX_ATTEMPTS', 10);
}

/** Queues an event for every subscription that wants it; returns the queue row ids. */
function harmonyuser_bridge_queue_event(array $event) {
    global $wpdb;
    $ids = array();
    $body = wp_json_encode($event, JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE);
    if ($body === false) {
        return $ids;
    }
    $now = time();
    foreach (harmonyuser_bridge_webhooks() as $hook) {
        if (!in_array($event['event'], $hook['events'], true)) {
            continue;
        }
        $ok = $wpdb->insert(harmonyuser_bridge_queue_table(), array(
            'event_id' => $event['id'],
            'webhook_id' => $hook['id'],
            'event' => $event['event'],
            'user_id' => (int) $event['user']['sourceId'],
            'body' => $body,
            'status' => 'pending',
            'attempts' => 0,
            'next_attempt_at' => $now,
            'created_at' => $now,
        ));
        if ($ok) {
            $ids[] = (int) $wpdb->insert_id;
        }
    }
    return $ids;
}

/** Backoff before attempt n+1 after n failed attempts. */
function harmonyuser_bridge_backoff($attempts) {
    return (int) min(3600, 30 * pow(2, max(0, $attempts - 1)));
}

/** Claims a row (pending, or sending with an expired lock); true when this process owns it now. */
function harmonyuser_bridge_claim($id, $force) {
    global $wpdb;
    $now = time();
    $table = harmonyuser_bridge_queue_table();
    $due = $force ? '' : $wpdb->prepare(' AND next_attempt_at <= %d', $now);
    $n = $wpdb->query($wpdb->prepare(
        "UPDATE $table SET status = 'sending', locked_until = %d WHERE id = %d AND (status = 'pending' OR (status = 'sending' AND locked_until < %d))$due",
        $now + 60,
        $id,
        $now
    ));
    return $n === 1;
}

/** Sends one claimed row. Returns 'delivered', 'retry' or 'failed'. */
function harmonyuser_bridge_send_row($row, $timeout) {
    global $wpdb;
    $table = harmonyuser_bridge_queue_table();
    $hooks = harmonyuser_bridge_webhooks();
    if (!isset($hooks[$row->webhook_id])) {
        $wpdb->update($table, array('status' => 'failed', 'last_error' => 'subscription deleted', 'locked_until' => 0), array('id' => $row->id));
        return 'failed';
    }
    $hook = $hooks[$row->webhook_id];
    $ts = (string) time();
    $response = wp_remote_post($hook['url'], array(
        'timeout' => $timeout,
        'redirection' => 0,
        'blocking' => true,
        'reject_unsafe_urls' => false,
        'user-agent' => 'HarmonyUserSync-Bridge/' . HARMONYUSER_BRIDGE_VERSION,
        'headers' => array(
            'Content-Type' => 'application/json',
            'X-HarmonyUser-Event-Id' => $row->event_id,
            'X-HarmonyUser-Event' => $row->event,
            'X-HarmonyUser-Timestamp' => $ts,
            'X-HarmonyUser-Signature' => 'sha256=' . hash_hmac('sha256', $ts . '.' . $row->body, $hook['secret']),
        ),
        'body' => $row->body,
    ));
    $attempts = (int) $row->attempts + 1;
    $code = is_wp_error($response) ? 0 : (int) wp_remote_retrieve_response_code($response);
    if ($code >= 200 && $code < 300) {
        $wpdb->update($table, array('status' => 'delivered', 'attempts' => $attempts, 'last_status' => $code, 'last_error' => null, 'locked_until' => 0, 'delivered_at' => time()), array('id' => $row->id));
        return 'delivered';
    }
    $error = is_wp_error($response) ? $response->get_error_message() : 'HTTP ' . $code;
    $final = $attempts >= HARMONYUSER_BRIDGE_MAX_ATTEMPTS;
    $wpdb->update($table, array(
        'status' => $final ? 'failed' : 'pending',
        'attempts' => $attempts,
        'last_status' => $code,
        'last_error' => substr($error, 0, 500),
        'locked_until' => 0,
        'next_attempt_at' => time() + harmonyuser_bridge_backoff($attempts),
    ), array('id' => $row->id));
    return $final ? 'failed' : 'retry';
}

/** Attempts the given rows (or every due row when $ids is null); returns counts. */
function harmonyuser_bridge_process($ids = null, $force = false, $timeout = 5, $limit = 50) {
    global $wpdb;
    $table = harmonyuser_bridge_queue_table();
    if ($ids === null) {
        $now = time();
        $due = $force ? '' : $wpdb->prepare(' AND next_attempt_at <= %d', $now);
        $ids = $wpdb->get_col($wpdb->prepare(
            "SELECT id FROM $table WHERE (status = 'pending' OR (status = 'sending' AND locked_until < %d))$due ORDER BY id LIMIT %d",
            $now,
            $limit
        ));
    }
    $counts = array('processed' => 0, 'delivered' => 0, 'retry' => 0, 'failed' => 0);
    $started = microtime(true);
    foreach ($ids as $id) {
        if (microtime(true) - $started > 20) {
            break; // leave the rest for the next run
        }
        if (!harmonyuser_bridge_claim((int) $id, $force)) {
            continue;
        }
        $row = $wpdb->get_row($wpdb->prepare("SELECT * FROM $table WHERE id = %d", $id));
        if (!$row) {
            continue;
        }
        $counts['processed']++;
        $counts[harmonyuser_bridge_send_row($row, $timeout)]++;
    }
    harmonyuser_bridge_schedule_retry();
    return $counts;
}

/** First delivery attempt at the end of the request that queued (short timeout, response already sent when possible). */
function harmonyuser_bridge_deliver_now(array $ids) {
    if (function_exists('fastcgi_finish_request')) {
        fastcgi_finish_request();
    } elseif (function_exists('litespeed_finish_request')) {
        litespeed_finish_request();
    }
    harmonyuser_bridge_process($ids, false, (int) apply_filters('harmonyuser_bridge_shutdown_timeout', 3));
}

/** A single cron event at the next due retry (the five-minute event is the safety net). */
function harmonyuser_bridge_schedule_retry() {
    global $wpdb;
    $table = harmonyuser_bridge_queue_table();
    $next = $wpdb->get_var("SELECT MIN(next_attempt_at) FROM $table WHERE status = 'pending'");
    if ($next && !wp_next_scheduled(HARMONYUSER_BRIDGE_CRON_HOOK, array('retry'))) {
        wp_schedule_single_event(max(time() + 5, (int) $next), HARMONYUSER_BRIDGE_CRON_HOOK, array('retry'));
    }
}

/** Housekeeping: delivered rows after 7 days, tombstones after 30 days. */
function harmonyuser_bridge_prune() {
    global $wpdb;
    $table = harmonyuser_bridge_queue_table();
    $wpdb->query($wpdb->prepare("DELETE FROM $table WHERE status = 'delivered' AND delivered_at < %d", time() - 7 * DAY_IN_SECONDS));
    $tomb = harmonyuser_bridge_tombstone_table();
    $wpdb->query($wpdb->prepare("DELETE FROM $tomb WHERE deleted_at < %s", harmonyuser_bridge_now_iso(time() - 30 * DAY_IN_SECONDS)));
}

function harmonyuser_bridge_queue_counts() {
    global $wpdb;
    $table = harmonyuser_bridge_queue_table();
    $counts = array('pending' => 0, 'sending' => 0, 'delivered' => 0, 'failed' => 0);
    foreach ((array) $wpdb->get_results("SELECT status, COUNT(*) AS n FROM $table GROUP BY status") as $r) {
        $counts[$r->status] = (int) $r->n;
    }
    return $counts;
}

add_action(HARMONYUSER_BRIDGE_CRON_HOOK, function () {
    harmonyuser_bridge_prune();
    harmonyuser_bridge_process(null, false, 10, 200);
});

add_action('rest_api_init', function () {
    register_rest_route(HARMONYUSER_BRIDGE_NS, '/queue/run', array(
        'methods' => 'POST',
        'permission_callback' => function () {
            return current_user_can('manage_options');
        },
        'args' => array(
            'force' => array('type' => 'boolean', 'default' => false, 'description' => 'Also attempt rows whose retry time has not come yet.'),
            'limit' => array('type' => 'integer', 'default' => 50, 'minimum' => 1, 'maximum' => 500),
        ),
        'callback' => function (WP_REST_Request $request) {
            harmonyuser_bridge_prune();
            $counts = harmonyuser_bridge_process(null, (bool) $request['force'], 5, (int) $request['limit']);
            $counts['queue'] = harmonyuser_bridge_queue_counts();
            return rest_ensure_response($counts);
        },
    ));
    register_rest_route(HARMONYUSER_BRIDGE_NS, '/queue', array(
        'methods' => 'GET',
        'permission_callback' => function () {
            return current_user_can('manage_options');
        },
        'callback' => function () {
            global $wpdb;
            $table = harmonyuser_bridge_queue_table();
            $rows = $wpdb->get_results("SELECT id, event_id, webhook_id, event, user_id, status, attempts, next_attempt_at, last_status, last_error, created_at, delivered_at FROM $table WHERE status <> 'delivered' ORDER BY id DESC LIMIT 100", ARRAY_A);
            return rest_ensure_response(array('counts' => harmonyuser_bridge_queue_counts(), 'items' => $rows));
        },
    ));
});
