<?php
/**
 * The durable outgoing queue: one row per (event, subscription) in {prefix}harmonyuser_queue, written before any
 * delivery attempt. Rows are claimed atomically before sending, so each is delivered at most once at a time and
 * marked 'delivered' on a 2xx answer; failures retry with exponential backoff (30 s * 2^n, capped at 1 h) and
 * become 'failed' (kept for inspection) after HARMONYUSER_BRIDGE_MAX_ATTEMPTS attempts. Each user's events reach
 * each subscription in the order they happened: a row waits while an older row of the same user and subscription
 * is pending or being sent (see harmonyuser_bridge_wait_for_older), so a retry is never the last word.
 *
 * What the table holds: no password hash, ever. Events that carry one (user.created, user.password_changed) are
 * stored without it, and the user's current hash is read from wp_users at the moment of each delivery attempt,
 * so a pending or failed row can be retried (and then carries the password the user has now) while a database
 * dump or backup of the queue shows no hash. A delivered row's body is blanked at once (its id, event, status and
 * times stay for the screen). Errors are stored as classes (timeout, refused, dns, tls, http_3xx, http_4xx,
 * http_5xx, unsafe_url, blocked, network), never the transport's text, so the queue is no port scanner.
 *
 * Size: a field over HARMONYUSER_BRIDGE_MAX_FIELD_BYTES (64 KiB as JSON) is left out of the event, and meta values
 * are left out, largest first, while the event exceeds HARMONYUSER_BRIDGE_MAX_EVENT_BYTES (256 KiB); the event
 * lists them in "omitted" and each becomes an entry of the error log (option harmonyuser_bridge_event_errors,
 * shown in wp-admin and by GET /harmonyuser/v1/queue).
 */

if (!defined('ABSPATH')) {
    exit;
}

if (!defined('HARMONYUSER_BRIDGE_MAX_ATTEMPTS')) {
    define('HARMONYUSER_BRIDGE_MAX_ATTEMPTS', 10);
}
if (!defined('HARMONYUSER_BRIDGE_MAX_FIELD_BYTES')) {
    define('HARMONYUSER_BRIDGE_MAX_FIELD_BYTES', 65536);
}
if (!defined('HARMONYUSER_BRIDGE_MAX_EVENT_BYTES')) {
    define('HARMONYUSER_BRIDGE_MAX_EVENT_BYTES', 262144);
}
define('HARMONYUSER_BRIDGE_OPT_EVENT_ERRORS', 'harmonyuser_bridge_event_errors');

/** The error classes stored for failed deliveries (the screen explains them). */
function harmonyuser_bridge_error_classes() {
    return array(
        'timeout' => 'The receiver did not answer in time.',
        'refused' => 'The connection was refused.',
        'dns' => 'The receiver\'s host name did not resolve.',
        'tls' => 'The TLS/SSL handshake or certificate check failed.',
        'http_3xx' => 'The receiver answered with a redirect (not followed).',
        'http_4xx' => 'The receiver answered 4xx (e.g. a bad signature or an unknown webhook).',
        'http_5xx' => 'The receiver answered 5xx.',
        'unsafe_url' => 'The receiver\'s address is loopback, private or reserved, or its port is not allowed.',
        'blocked' => 'WordPress blocks requests to this host (WP_HTTP_BLOCK_EXTERNAL without it in WP_ACCESSIBLE_HOSTS).',
        'network' => 'Another network error.',
    );
}

/** A class for a failed attempt: from the HTTP status, else from the transport's error (its text is dropped). */
function harmonyuser_bridge_error_class($error, $status = 0) {
    $status = (int) $status;
    if ($status >= 500) {
        return 'http_5xx';
    }
    if ($status >= 400) {
        return 'http_4xx';
    }
    if ($status >= 300) {
        return 'http_3xx';
    }
    $text = strtolower(is_wp_error($error) ? $error->get_error_message() : (string) $error);
    if (array_key_exists($text, harmonyuser_bridge_error_classes())) {
        return $text;
    }
    if (preg_match('/^http (\d)\d\d$/', $text, $m)) {
        return $m[1] >= 5 ? 'http_5xx' : ($m[1] === '4' ? 'http_4xx' : 'http_3xx');
    }
    if (preg_match('/curl error 28\b|timed out|timeout/', $text)) {
        return 'timeout';
    }
    if (preg_match('/curl error 6\b|resolve|getaddrinfo|name or service not known/', $text)) {
        return 'dns';
    }
    if (preg_match('/curl error (35|51|53|54|58|59|60|64|66|77|80|82|83|90|91)\b|ssl|tls|certificate/', $text)) {
        return 'tls';
    }
    if (preg_match('/curl error 7\b|refused|failed to connect|could not connect|couldn.t connect/', $text)) {
        return 'refused';
    }
    if (strpos($text, 'blocked requests') !== false) {
        return 'blocked';
    }
    if (preg_match('/valid url|unsafe/', $text)) {
        return 'unsafe_url';
    }
    return 'network';
}

/** Appends to the error log of events (last 50 entries). */
function harmonyuser_bridge_record_event_error(array $entry) {
    $log = get_option(HARMONYUSER_BRIDGE_OPT_EVENT_ERRORS, array());
    $log = is_array($log) ? $log : array();
    $log[] = $entry + array('time' => harmonyuser_bridge_now_iso());
    update_option(HARMONYUSER_BRIDGE_OPT_EVENT_ERRORS, array_slice($log, -50), false);
}

function harmonyuser_bridge_event_errors() {
    $log = get_option(HARMONYUSER_BRIDGE_OPT_EVENT_ERRORS, array());
    return is_array($log) ? array_values($log) : array();
}

/**
 * Applies the size caps: fields over the per-field cap, then meta values (largest first) while the event is over
 * the per-event cap, are left out and listed in $event['omitted']; each is recorded in the error log.
 */
function harmonyuser_bridge_limit_event(array $event) {
    $field_cap = (int) HARMONYUSER_BRIDGE_MAX_FIELD_BYTES;
    $event_cap = (int) HARMONYUSER_BRIDGE_MAX_EVENT_BYTES;
    $omitted = array();
    $user = isset($event['user']) && is_array($event['user']) ? $event['user'] : array();
    foreach (array('firstName', 'lastName', 'displayName', 'nickname', 'url', 'description', 'locale') as $field) {
        if (isset($user[$field]) && strlen(wp_json_encode($user[$field])) > $field_cap) {
            $omitted[] = array('field' => $field, 'bytes' => strlen(wp_json_encode($user[$field])), 'limit' => $field_cap, 'reason' => 'field_too_large');
            unset($user[$field]);
        }
    }
    $meta = isset($user['meta']) ? (array) $user['meta'] : array();
    $sizes = array();
    foreach ($meta as $key => $value) {
        $bytes = strlen((string) wp_json_encode($value));
        if ($bytes > $field_cap) {
            $omitted[] = array('field' => 'meta.' . $key, 'bytes' => $bytes, 'limit' => $field_cap, 'reason' => 'field_too_large');
            unset($meta[$key]);
        } else {
            $sizes[$key] = $bytes;
        }
    }
    $user['meta'] = (object) $meta;
    $event['user'] = $user;
    $size = strlen((string) wp_json_encode($event));
    if ($size > $event_cap) {
        arsort($sizes);
        foreach ($sizes as $key => $bytes) {
            if ($size <= $event_cap) {
                break;
            }
            $omitted[] = array('field' => 'meta.' . $key, 'bytes' => $bytes, 'limit' => $event_cap, 'reason' => 'event_too_large');
            unset($meta[$key]);
            $event['user']['meta'] = (object) $meta;
            $size = strlen((string) wp_json_encode($event));
        }
    }
    if ($omitted) {
        $event['omitted'] = $omitted;
        foreach ($omitted as $o) {
            harmonyuser_bridge_record_event_error(array(
                'eventId' => isset($event['id']) ? $event['id'] : '',
                'event' => isset($event['event']) ? $event['event'] : '',
                'userId' => isset($user['sourceId']) ? (int) $user['sourceId'] : 0,
                'login' => isset($user['login']) ? $user['login'] : '',
            ) + $o);
        }
    }
    return $event;
}

/** Queues an event for every subscription that wants it; returns the queue row ids. */
function harmonyuser_bridge_queue_event(array $event) {
    global $wpdb;
    $ids = array();
    $hooks = array();
    foreach (harmonyuser_bridge_webhooks() as $hook) {
        if (in_array($event['event'], $hook['events'], true)) {
            $hooks[] = $hook;
        }
    }
    if (!$hooks) {
        return $ids;
    }
    // The hash is never stored: it is read fresh at delivery (see the top of this file).
    unset($event['user']['passwordHash']);
    $event = harmonyuser_bridge_limit_event($event);
    $body = wp_json_encode($event, JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE);
    if ($body === false) {
        return $ids;
    }
    $now = time();
    foreach ($hooks as $hook) {
        $ok = $wpdb->insert(harmonyuser_bridge_queue_table(), array(
            'event_id' => $event['id'],
            'webhook_id' => $hook['id'],
            'event' => $event['event'],
            'user_id' => (int) $event['user']['sourceId'],
            'body' => $body,
            'status' => 'pending',
            'attempts' => 0,
            'next_attempt_at' => max($now, harmonyuser_bridge_receiver_backed_off_until($hook['url'])), // runner.php
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

/** Events whose body carries the user's password hash (added at delivery). */
function harmonyuser_bridge_event_carries_hash($event) {
    return in_array($event, array('user.created', 'user.password_changed'), true);
}

/** The body to send for a row: the stored body, plus the user's current password hash where the event carries one. */
function harmonyuser_bridge_delivery_body($row) {
    global $wpdb;
    if (!harmonyuser_bridge_event_carries_hash($row->event)) {
        return $row->body;
    }
    $event = json_decode($row->body); // objects, so {} stays {} when encoded again
    if (!is_object($event) || !isset($event->user) || !is_object($event->user)) {
        return $row->body;
    }
    $hash = $wpdb->get_var($wpdb->prepare(
        "SELECT user_pass FROM {$wpdb->users} WHERE ID = %d AND user_login = %s",
        (int) $row->user_id,
        isset($event->user->login) ? (string) $event->user->login : ''
    ));
    if (!is_string($hash) || $hash === '') {
        return $row->body; // the user is gone: a user.deleted event follows
    }
    // The hash leaves the site only sealed with the network key, bound to the user's sync id (includes/crypto.php).
    $sealed = harmonyuser_bridge_seal_hash($hash, isset($event->user->syncId) ? (string) $event->user->syncId : '');
    if ($sealed === null || empty($event->user->syncId)) {
        $omitted = isset($event->omitted) && is_array($event->omitted) ? $event->omitted : array();
        $omitted[] = array('field' => 'passwordHash', 'reason' => 'no_network_key');
        $event->omitted = $omitted;
    } else {
        $event->user->passwordHash = $sealed;
        // The format alone travels in clear, so a target that cannot verify it is never sent the hash.
        $event->user->passwordHashFormat = harmonyuser_bridge_hash_format($hash);
    }
    return wp_json_encode($event, JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE);
}

/** Records a failed attempt (by class); returns 'retry' or 'failed'. */
function harmonyuser_bridge_attempt_failed($row, $class, $status = 0) {
    global $wpdb;
    $attempts = (int) $row->attempts + 1;
    $final = $attempts >= HARMONYUSER_BRIDGE_MAX_ATTEMPTS;
    $wpdb->update(harmonyuser_bridge_queue_table(), array(
        'status' => $final ? 'failed' : 'pending',
        'attempts' => $attempts,
        'last_status' => (int) $status,
        'last_error' => $class,
        'locked_until' => 0,
        'next_attempt_at' => time() + harmonyuser_bridge_backoff($attempts),
    ), array('id' => $row->id));
    return $final ? 'failed' : 'retry';
}

/** Sends one claimed row. Returns 'delivered', 'retry' or 'failed'. */
function harmonyuser_bridge_send_row($row, $timeout, $force = false) {
    global $wpdb;
    $table = harmonyuser_bridge_queue_table();
    $hooks = harmonyuser_bridge_webhooks();
    if (!isset($hooks[$row->webhook_id])) {
        $wpdb->delete($table, array('id' => $row->id)); // its subscription is gone: nobody may receive it
        return 'failed';
    }
    $hook = $hooks[$row->webhook_id];
    if (!harmonyuser_bridge_webhook_alive($hook)) {
        harmonyuser_bridge_delete_webhooks(array($hook['id'])); // revoked, deleted or demoted creator
        return 'failed';
    }
    $local = harmonyuser_bridge_allow_local_receivers();
    if (!$local && harmonyuser_bridge_receiver_url_problem($hook['url']) !== null) {
        return harmonyuser_bridge_attempt_failed($row, 'unsafe_url');
    }
    $until = $force ? 0 : harmonyuser_bridge_receiver_backed_off_until($hook['url']);
    if ($until) {
        // Its receiver timed out lately: the row waits for the back-off without spending an attempt (runner.php).
        $wpdb->update($table, array('status' => 'pending', 'locked_until' => 0, 'next_attempt_at' => $until), array('id' => $row->id));
        return 'retry';
    }
    $body = harmonyuser_bridge_delivery_body($row);
    $ts = (string) time();
    $response = wp_remote_post($hook['url'], array(
        'timeout' => $timeout,
        'harmonyuser_connect_timeout' => min((float) $timeout, (float) apply_filters('harmonyuser_bridge_connect_timeout', 1)),
        'redirection' => 0,
        'blocking' => true,
        'reject_unsafe_urls' => !$local,
        'user-agent' => 'HarmonyUserSync-Bridge/' . HARMONYUSER_BRIDGE_VERSION,
        'headers' => array(
            'Content-Type' => 'application/json',
            'X-HarmonyUser-Event-Id' => $row->event_id,
            'X-HarmonyUser-Event' => $row->event,
            'X-HarmonyUser-Timestamp' => $ts,
            'X-HarmonyUser-Signature' => 'sha256=' . hash_hmac('sha256', $ts . '.' . $body, $hook['secret']),
        ),
        'body' => $body,
    ));
    unset($body);
    $code = is_wp_error($response) ? 0 : (int) wp_remote_retrieve_response_code($response);
    harmonyuser_bridge_receiver_outcome($hook['url'], $code ? '' : harmonyuser_bridge_error_class($response));
    if ($code >= 200 && $code < 300) {
        $wpdb->update($table, array(
            'status' => 'delivered',
            'attempts' => (int) $row->attempts + 1,
            'last_status' => $code,
            'last_error' => null,
            'locked_until' => 0,
            'delivered_at' => time(),
            'body' => '',
        ), array('id' => $row->id));
        return 'delivered';
    }
    return harmonyuser_bridge_attempt_failed($row, harmonyuser_bridge_error_class(is_wp_error($response) ? $response : '', $code), $code);
}

/** "Retry now" (wp-admin): the given failed or pending rows (all failed rows when null) get one attempt at once. */
function harmonyuser_bridge_retry_now($ids = null) {
    global $wpdb;
    $table = harmonyuser_bridge_queue_table();
    if ($ids === null) {
        $ids = array_map('intval', $wpdb->get_col("SELECT id FROM $table WHERE status = 'failed' ORDER BY id LIMIT 200"));
    }
    $ids = array_values(array_filter(array_map('intval', (array) $ids)));
    foreach ($ids as $id) {
        $wpdb->query($wpdb->prepare("UPDATE $table SET status = 'pending', next_attempt_at = %d WHERE id = %d AND status IN ('failed','pending')", time(), $id));
    }
    return $ids ? harmonyuser_bridge_process($ids, true, 5) : array('processed' => 0, 'delivered' => 0, 'retry' => 0, 'failed' => 0);
}

/** Attempts the given rows (or every due row when $ids is null) until $deadline (microtime; 20 s); returns counts. */
function harmonyuser_bridge_process($ids = null, $force = false, $timeout = 5, $limit = 50, $deadline = null) {
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
    $ids = array_values(array_map('intval', (array) $ids));
    $chained = array();
    while ($ids) {
        $id = array_shift($ids);
        if (microtime(true) > ($deadline === null ? $started + 20 : $deadline)) {
            break; // leave the rest for the next run
        }
        if (harmonyuser_bridge_wait_for_older($id) || !harmonyuser_bridge_claim($id, $force || isset($chained[$id]))) {
            continue;
        }
        $row = $wpdb->get_row($wpdb->prepare("SELECT * FROM $table WHERE id = %d", $id));
        if (!$row) {
            continue;
        }
        $counts['processed']++;
        $outcome = harmonyuser_bridge_send_row($row, $timeout, $force);
        $counts[$outcome]++;
        $next = $outcome === 'delivered' ? harmonyuser_bridge_next_in_order($row, $force) : 0;
        if ($next && !in_array($next, $ids, true)) {
            array_unshift($ids, $next); // a newer event of this user that waited for this one: now
            $chained[$next] = true;
        }
    }
    harmonyuser_bridge_schedule_retry();
    return $counts;
}

/**
 * Per-(user, subscription) order: a row is not sent while an older row of the same user and subscription is still
 * pending (waiting for its retry included) or being sent, so a retry can never land after a newer event. Such a row
 * is put back to wait no less than the older one (not due before it); the run that delivers the older one sends it
 * next (harmonyuser_bridge_next_in_order). A row that ran out of attempts ('failed') no longer holds the others back.
 * Returns true when the row must wait.
 */
function harmonyuser_bridge_wait_for_older($id) {
    global $wpdb;
    $table = harmonyuser_bridge_queue_table();
    $older = $wpdb->get_row($wpdb->prepare(
        "SELECT o.id, o.next_attempt_at FROM $table r JOIN $table o
           ON o.user_id = r.user_id AND o.webhook_id = r.webhook_id AND o.id < r.id AND o.status IN ('pending', 'sending')
         WHERE r.id = %d AND r.user_id > 0 ORDER BY o.id LIMIT 1",
        (int) $id
    ));
    if (!$older) {
        return false;
    }
    $wpdb->query($wpdb->prepare(
        "UPDATE $table SET next_attempt_at = GREATEST(next_attempt_at, %d) WHERE id = %d AND status = 'pending'",
        (int) $older->next_attempt_at,
        (int) $id
    ));
    return true;
}

/**
 * The next pending row of the same user and subscription after a delivered one (0: none), when it is due or was
 * only waiting for that one (never attempted: its own backoff does not apply).
 */
function harmonyuser_bridge_next_in_order($row, $force) {
    global $wpdb;
    $table = harmonyuser_bridge_queue_table();
    if ((int) $row->user_id <= 0) {
        return 0;
    }
    $due = $force ? '' : $wpdb->prepare(' AND (attempts = 0 OR next_attempt_at <= %d)', time());
    return (int) $wpdb->get_var($wpdb->prepare(
        "SELECT id FROM $table WHERE user_id = %d AND webhook_id = %s AND id > %d AND status = 'pending'$due ORDER BY id LIMIT 1",
        (int) $row->user_id,
        $row->webhook_id,
        (int) $row->id
    ));
}

/** The end of the request that queued: never delivers itself, a runner does (includes/runner.php). */
function harmonyuser_bridge_deliver_now(array $ids) {
    unset($ids); // the runner takes every due row
    harmonyuser_bridge_deliver_in_background();
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

/** The cron event (five minutes, and single retries): housekeeping, then the queue as the runner. */
function harmonyuser_bridge_cron_run_queue() {
    harmonyuser_bridge_prune();
    harmonyuser_bridge_run_queue_worker(); // as the runner: one at a time, within its budget
}

/** Registers POST /harmonyuser/v1/queue/run and GET /harmonyuser/v1/queue (manage_options). */
function harmonyuser_bridge_register_queue_routes() {
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
            return rest_ensure_response(array('counts' => harmonyuser_bridge_queue_counts(), 'items' => $rows, 'eventErrors' => harmonyuser_bridge_event_errors()));
        },
    ));
}

/**
 * Rows written by versions before the guard: delivered bodies blanked, hashes taken out of the rest, raw transport
 * errors reduced to classes. Once per site (option harmonyuser_bridge_queue_format).
 */
function harmonyuser_bridge_upgrade_queue_rows() {
    global $wpdb;
    $table = harmonyuser_bridge_queue_table();
    if ($wpdb->get_var($wpdb->prepare('SHOW TABLES LIKE %s', $table)) !== $table) {
        return;
    }
    $wpdb->query("UPDATE $table SET body = '' WHERE status = 'delivered' AND body <> ''");
    $rows = $wpdb->get_results("SELECT id, body FROM $table WHERE status <> 'delivered' AND body LIKE '%\"passwordHash\"%'");
    foreach ((array) $rows as $r) {
        $event = json_decode($r->body);
        if (is_object($event) && isset($event->user) && is_object($event->user)) {
            unset($event->user->passwordHash);
            $wpdb->update($table, array('body' => wp_json_encode($event, JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE)), array('id' => $r->id));
        }
    }
    $classes = array_keys(harmonyuser_bridge_error_classes());
    $rows = $wpdb->get_results("SELECT id, last_status, last_error FROM $table WHERE last_error IS NOT NULL AND last_error <> ''");
    foreach ((array) $rows as $r) {
        if (!in_array($r->last_error, $classes, true)) {
            $wpdb->update($table, array('last_error' => harmonyuser_bridge_error_class($r->last_error, (int) $r->last_status)), array('id' => $r->id));
        }
    }
}

/** Upgrades queue rows written by older versions, once per site. */
function harmonyuser_bridge_maybe_upgrade_queue_rows() {
    if (get_option('harmonyuser_bridge_queue_format') !== '2') {
        harmonyuser_bridge_upgrade_queue_rows();
        update_option('harmonyuser_bridge_queue_format', '2', false);
    }
}
