<?php
/**
 * Deliveries off the request path. A request that queues events never delivers them itself: it frees its response
 * (fastcgi_finish_request under PHP-FPM) and makes sure a runner works on the queue, then ends. The runner is a
 * loopback request to admin-ajax.php (action harmonyuser_bridge_run, with a per-site key) that answers at once
 * (202, empty) and then delivers in the background:
 *
 * - one runner per site at a time (a MariaDB named lock, so also across PHP-FPM pools and web servers), which takes
 *   the rows queued while it works; at most one PHP worker is ever busy delivering;
 * - a time budget (20 s, filter harmonyuser_bridge_runner_budget): what is left goes to a fresh runner;
 * - short connect timeouts (1 s, filter harmonyuser_bridge_connect_timeout) within the delivery timeout (3 s,
 *   filter harmonyuser_bridge_shutdown_timeout);
 * - back-off per receiver (scheme, host and port): a receiver that timed out gets nothing for 30 s, doubling up to
 *   10 minutes while it keeps timing out; its rows wait without spending attempts. A receiver that answers (any
 *   status) or refuses at once is not backed off: it holds no worker.
 *
 * A kick costs the queuing request one small query, and one loopback request when no runner is working (under
 * PHP-FPM after the response is sent; elsewhere the request waits for the runner's 202, not for any receiver). When
 * the loopback request fails, a request whose response is already sent delivers itself, within the same budget and
 * lock; otherwise WP-Cron's retry event (or POST /queue/run) takes the rows.
 */

if (!defined('ABSPATH')) {
    exit;
}

define('HARMONYUSER_BRIDGE_OPT_RUNNER_KEY', 'harmonyuser_bridge_runner_key');
define('HARMONYUSER_BRIDGE_OPT_RECEIVER_BACKOFF', 'harmonyuser_bridge_receiver_backoff');
define('HARMONYUSER_BRIDGE_RUNNER_ACTION', 'harmonyuser_bridge_run');

/** Named locks are server-wide in MariaDB: one name per site (database and table prefix). */
function harmonyuser_bridge_runner_lock($what = 'runner') {
    global $wpdb;
    return 'hus_' . $what . '_' . md5(DB_NAME . '|' . $wpdb->prefix);
}

/** The key a loopback request must bring to start the runner (random, per site). */
function harmonyuser_bridge_runner_key() {
    $key = get_option(HARMONYUSER_BRIDGE_OPT_RUNNER_KEY);
    if (!is_string($key) || strlen($key) < 32) {
        $key = wp_generate_password(40, false);
        if (!add_option(HARMONYUSER_BRIDGE_OPT_RUNNER_KEY, $key, '', 'yes')) {
            $key = (string) get_option(HARMONYUSER_BRIDGE_OPT_RUNNER_KEY); // another request was first
        }
    }
    return $key;
}

/** Sends the response now and goes on with the request's work, where the server allows it. */
function harmonyuser_bridge_finish_response() {
    if (function_exists('fastcgi_finish_request')) {
        return fastcgi_finish_request();
    }
    if (function_exists('litespeed_finish_request')) {
        return litespeed_finish_request();
    }
    return false;
}

/** Whether a runner holds this site's lock. */
function harmonyuser_bridge_runner_active() {
    global $wpdb;
    return (string) $wpdb->get_var($wpdb->prepare('SELECT IS_FREE_LOCK(%s)', harmonyuser_bridge_runner_lock())) === '0';
}

/**
 * The end of a request that queued events: frees the response, then makes sure a runner delivers them. Only one
 * request kicks at a time; a runner already at work takes the new rows itself.
 */
function harmonyuser_bridge_deliver_in_background() {
    global $wpdb;
    $finished = harmonyuser_bridge_finish_response();
    if (harmonyuser_bridge_runner_active()) {
        return;
    }
    $kick = harmonyuser_bridge_runner_lock('kick');
    if ((string) $wpdb->get_var($wpdb->prepare('SELECT GET_LOCK(%s, 0)', $kick)) !== '1') {
        return; // another request is starting the runner right now
    }
    $started = harmonyuser_bridge_kick_runner();
    $wpdb->query($wpdb->prepare('SELECT RELEASE_LOCK(%s)', $kick));
    if ($started) {
        return;
    }
    if ($finished) {
        harmonyuser_bridge_run_queue_worker(); // nobody waits for this request any more
    } elseif (!wp_next_scheduled(HARMONYUSER_BRIDGE_CRON_HOOK, array('retry'))) {
        wp_schedule_single_event(time(), HARMONYUSER_BRIDGE_CRON_HOOK, array('retry'));
    }
}

/** Starts a runner: a loopback POST that answers 202 as soon as the runner holds the lock. True when it did. */
function harmonyuser_bridge_kick_runner() {
    $response = wp_remote_post(admin_url('admin-ajax.php'), array(
        'timeout' => (float) apply_filters('harmonyuser_bridge_kick_timeout', 2),
        'redirection' => 0,
        'blocking' => true,
        'sslverify' => apply_filters('https_local_ssl_verify', false),
        'harmonyuser_connect_timeout' => 1,
        'user-agent' => 'HarmonyUserSync-Bridge/' . HARMONYUSER_BRIDGE_VERSION . ' (runner)',
        'body' => array('action' => HARMONYUSER_BRIDGE_RUNNER_ACTION, 'key' => harmonyuser_bridge_runner_key()),
    ));
    return !is_wp_error($response) && in_array((int) wp_remote_retrieve_response_code($response), array(202, 204), true);
}

/** The runner's request: checks the key, takes the lock, answers 202 at once, then delivers. */
function harmonyuser_bridge_runner_request() {
    global $wpdb;
    $key = isset($_POST['key']) ? sanitize_text_field(wp_unslash($_POST['key'])) : ''; // phpcs:ignore WordPress.Security.NonceVerification
    if (!hash_equals(harmonyuser_bridge_runner_key(), $key)) {
        wp_die('', '', array('response' => 403));
    }
    ignore_user_abort(true);
    $lock = harmonyuser_bridge_runner_lock();
    $mine = (string) $wpdb->get_var($wpdb->prepare('SELECT GET_LOCK(%s, 0)', $lock)) === '1';
    harmonyuser_bridge_acknowledge();
    if ($mine) {
        harmonyuser_bridge_run_queue_worker(null, true);
    }
    exit;
}

/** An empty 202, complete and closed, so the request that kicked goes on; this one keeps working. */
function harmonyuser_bridge_acknowledge() {
    if (!headers_sent()) {
        status_header(202);
        header('Content-Type: text/plain; charset=utf-8');
        header('Content-Length: 0');
        header('Connection: close');
        header('Cache-Control: no-store');
    }
    if (harmonyuser_bridge_finish_response()) {
        return;
    }
    while (ob_get_level() > 0) {
        ob_end_clean();
    }
    flush();
}

/**
 * Delivers what is due, as this site's only runner (a MariaDB lock), for at most the time budget. Rows queued while
 * it works are taken too: after letting the lock go it looks once more, and takes it again when something came in.
 * What is left when the budget is spent goes to a fresh runner. $locked: the caller already holds the lock.
 */
function harmonyuser_bridge_run_queue_worker($budget = null, $locked = false) {
    global $wpdb;
    $budget = $budget === null ? (float) apply_filters('harmonyuser_bridge_runner_budget', 20) : (float) $budget;
    $timeout = (int) apply_filters('harmonyuser_bridge_shutdown_timeout', 3);
    $deadline = microtime(true) + $budget;
    if (function_exists('set_time_limit')) {
        set_time_limit((int) ceil($budget) + 60);
    }
    $lock = harmonyuser_bridge_runner_lock();
    $counts = array('processed' => 0, 'delivered' => 0, 'retry' => 0, 'failed' => 0);
    for ($turn = 0; $turn < 3; $turn++) {
        if (!$locked && (string) $wpdb->get_var($wpdb->prepare('SELECT GET_LOCK(%s, 0)', $lock)) !== '1') {
            return $counts; // another runner has it, and sees what we would
        }
        $locked = true;
        do {
            $round = harmonyuser_bridge_process(null, false, $timeout, 50, $deadline);
            foreach ($round as $k => $n) {
                $counts[$k] += $n;
            }
        } while ($round['processed'] > 0 && microtime(true) < $deadline);
        $wpdb->query($wpdb->prepare('SELECT RELEASE_LOCK(%s)', $lock));
        $locked = false;
        if (!harmonyuser_bridge_due_rows()) {
            return $counts;
        }
        if (microtime(true) >= $deadline) {
            harmonyuser_bridge_kick_runner(); // a fresh request, a fresh budget
            return $counts;
        }
    }
    return $counts;
}

/** Whether a pending row is due now. */
function harmonyuser_bridge_due_rows() {
    global $wpdb;
    $table = harmonyuser_bridge_queue_table();
    return (bool) $wpdb->get_var($wpdb->prepare("SELECT 1 FROM $table WHERE status = 'pending' AND next_attempt_at <= %d LIMIT 1", time()));
}

/** A receiver, as back-off counts them: scheme, host and port of its URL. */
function harmonyuser_bridge_receiver_origin($url) {
    $p = wp_parse_url((string) $url);
    if (!is_array($p) || empty($p['host'])) {
        return '';
    }
    $scheme = isset($p['scheme']) ? strtolower($p['scheme']) : 'http';
    $port = isset($p['port']) ? (int) $p['port'] : ($scheme === 'https' ? 443 : 80);
    return $scheme . '://' . strtolower($p['host']) . ':' . $port;
}

function harmonyuser_bridge_receiver_backoffs() {
    $all = get_option(HARMONYUSER_BRIDGE_OPT_RECEIVER_BACKOFF, array());
    return is_array($all) ? $all : array();
}

/** Until when a receiver is backed off (0: it is not). */
function harmonyuser_bridge_receiver_backed_off_until($url) {
    $origin = harmonyuser_bridge_receiver_origin($url);
    $all = harmonyuser_bridge_receiver_backoffs();
    $until = isset($all[$origin]['until']) ? (int) $all[$origin]['until'] : 0;
    return $until > time() ? $until : 0;
}

/** After a delivery attempt: a timeout backs the receiver off; any answer, or a refusal at once, ends its back-off. */
function harmonyuser_bridge_receiver_outcome($url, $error_class) {
    $origin = harmonyuser_bridge_receiver_origin($url);
    if ($origin === '') {
        return;
    }
    $all = harmonyuser_bridge_receiver_backoffs();
    if ($error_class === 'timeout') {
        $failures = isset($all[$origin]['failures']) ? (int) $all[$origin]['failures'] + 1 : 1;
        $cap = (int) apply_filters('harmonyuser_bridge_receiver_backoff_max', 600);
        $all[$origin] = array('until' => time() + (int) min($cap, 30 * pow(2, $failures - 1)), 'failures' => $failures);
    } elseif (isset($all[$origin])) {
        unset($all[$origin]);
    } else {
        return;
    }
    foreach ($all as $o => $b) {
        if ((int) $b['until'] < time() - DAY_IN_SECONDS) {
            unset($all[$o]);
        }
    }
    update_option(HARMONYUSER_BRIDGE_OPT_RECEIVER_BACKOFF, $all, false);
}

/** Deliveries connect within a short time of their own (WordPress's HTTP API sets only the total timeout). */
function harmonyuser_bridge_curl_connect_timeout($handle, $args) {
    if (!empty($args['harmonyuser_connect_timeout']) && defined('CURLOPT_CONNECTTIMEOUT_MS')) {
        curl_setopt($handle, CURLOPT_CONNECTTIMEOUT_MS, (int) round(1000 * (float) $args['harmonyuser_connect_timeout']));
    }
}
