<?php
/**
 * The site guards itself: rules enforced by WordPress for every request authenticated by an APPLICATION PASSWORD
 * (REST, /batch/v1 sub-requests, the bridge's own routes, XML-RPC), whoever sends it — our nodes, n8n's own
 * WordPress node, curl with a leaked password. A user working in wp-admin with a login cookie is not affected.
 *
 * - IP allowlist (harmonyuser_bridge_allowlist_enabled, harmonyuser_bridge_allowlist, harmonyuser_bridge_trusted_proxies):
 *   an application password presented from an address outside the list does not authenticate: 403
 *   harmonyuser_ip_not_allowed. X-Forwarded-For is read only when the connection comes from a trusted proxy.
 * - Read-only site (harmonyuser_bridge_read_only): user creates, updates (roles, password hashes, meta), deletes and
 *   new application passwords are refused: 403 harmonyuser_site_read_only. Reading (and revoking) stays allowed.
 * - Reject incoming (user meta harmonyuser_reject_incoming = '1'): any change to that user is refused:
 *   403 harmonyuser_user_rejects_incoming. The switch as it was when the request started counts, so a request
 *   cannot switch it off and then write.
 *
 * Two layers: known REST write routes are refused before their callbacks run (a clean 403 per request, per batch
 * item); any other write to a user during such a request (another plugin's route, XML-RPC, a direct wp_set_password)
 * is stopped at the data layer (wp_pre_insert_user_data, delete_user, user meta, the users table) with wp_die(403).
 */

if (!defined('ABSPATH')) {
    exit;
}

define('HARMONYUSER_BRIDGE_OPT_READ_ONLY', 'harmonyuser_bridge_read_only');
define('HARMONYUSER_BRIDGE_OPT_ALLOWLIST_ENABLED', 'harmonyuser_bridge_allowlist_enabled');
define('HARMONYUSER_BRIDGE_OPT_ALLOWLIST', 'harmonyuser_bridge_allowlist');
define('HARMONYUSER_BRIDGE_OPT_TRUSTED_PROXIES', 'harmonyuser_bridge_trusted_proxies');
define('HARMONYUSER_BRIDGE_OPT_ALLOW_LOCAL', 'harmonyuser_bridge_allow_local_receivers');

/* ------------------------------------------------------------------ settings */

function harmonyuser_bridge_is_read_only() {
    return get_option(HARMONYUSER_BRIDGE_OPT_READ_ONLY, '') === '1';
}

function harmonyuser_bridge_allowlist_enabled() {
    return get_option(HARMONYUSER_BRIDGE_OPT_ALLOWLIST_ENABLED, '') === '1';
}

/** id => ['id' => string, 'cidr' => canonical entry, 'note' => string] */
function harmonyuser_bridge_allowlist() {
    $list = get_option(HARMONYUSER_BRIDGE_OPT_ALLOWLIST, array());
    return is_array($list) ? $list : array();
}

/** Canonical IP or CIDR entries of the proxies whose X-Forwarded-For is believed. */
function harmonyuser_bridge_trusted_proxies() {
    $list = get_option(HARMONYUSER_BRIDGE_OPT_TRUSTED_PROXIES, array());
    return is_array($list) ? array_values($list) : array();
}

/** Whether webhook receivers may be on loopback/private addresses and any port (the admin's opt-in). */
function harmonyuser_bridge_allow_local_receivers() {
    return get_option(HARMONYUSER_BRIDGE_OPT_ALLOW_LOCAL, '') === '1';
}

/* ------------------------------------------------------------------ IP addresses and CIDR ranges */

/** Packed address (4 or 16 bytes) of an IPv4/IPv6 literal; IPv4-mapped IPv6 (::ffff:a.b.c.d) becomes IPv4. */
function harmonyuser_bridge_ip_bin($ip) {
    $ip = trim((string) $ip);
    if ($ip === '' || strpos($ip, '/') !== false) {
        return null;
    }
    if (strpos($ip, '%') !== false) { // zone id (fe80::1%eth0)
        $ip = substr($ip, 0, strpos($ip, '%'));
    }
    if (filter_var($ip, FILTER_VALIDATE_IP) === false) {
        return null;
    }
    $bin = inet_pton($ip);
    if ($bin === false) {
        return null;
    }
    if (strlen($bin) === 16 && substr($bin, 0, 12) === str_repeat("\0", 10) . "\xff\xff") {
        $bin = substr($bin, 12);
    }
    return $bin;
}

/**
 * Parses "1.2.3.4", "10.0.0.0/8", "2001:db8::1", "2001:db8::/32" (and IPv4-mapped IPv6) into
 * array(packed network address, prefix length, canonical text), or a WP_Error saying what is wrong.
 */
function harmonyuser_bridge_parse_cidr($entry) {
    $entry = trim((string) $entry);
    if ($entry === '') {
        return new WP_Error('harmonyuser_invalid_cidr', 'Enter an IPv4 or IPv6 address, or a CIDR range such as 203.0.113.0/24 or 2001:db8::/32.');
    }
    $prefix = null;
    $addr = $entry;
    if (strpos($entry, '/') !== false) {
        list($addr, $bits) = explode('/', $entry, 2);
        if (!preg_match('/^\d{1,3}$/', $bits)) {
            return new WP_Error('harmonyuser_invalid_cidr', sprintf('"%s": the prefix length after "/" must be a number.', $entry));
        }
        $prefix = (int) $bits;
    }
    $raw = trim($addr);
    if (filter_var($raw, FILTER_VALIDATE_IP) === false) {
        return new WP_Error('harmonyuser_invalid_cidr', sprintf('"%s" is not an IPv4 or IPv6 address.', $raw));
    }
    $bin = harmonyuser_bridge_ip_bin($raw);
    $mapped = strlen(inet_pton($raw)) === 16 && strlen($bin) === 4; // ::ffff:10.0.0.0/104 → 10.0.0.0/8
    if ($mapped && $prefix !== null) {
        if ($prefix < 96) {
            return new WP_Error('harmonyuser_invalid_cidr', sprintf('"%s": an IPv4-mapped range needs a prefix of at least 96.', $entry));
        }
        $prefix -= 96;
    }
    $max = strlen($bin) * 8;
    if ($prefix === null) {
        $prefix = $max;
    }
    if ($prefix < 0 || $prefix > $max) {
        return new WP_Error('harmonyuser_invalid_cidr', sprintf('"%s": the prefix length must be between 0 and %d.', $entry, $max));
    }
    $net = harmonyuser_bridge_mask($bin, $prefix);
    $text = inet_ntop($net) . ($prefix === $max ? '' : '/' . $prefix);
    return array($net, $prefix, $text);
}

/** The first $prefix bits of a packed address, the rest zeroed. */
function harmonyuser_bridge_mask($bin, $prefix) {
    $out = '';
    $len = strlen($bin);
    for ($i = 0; $i < $len; $i++) {
        $bits = max(0, min(8, $prefix - $i * 8));
        $mask = $bits === 0 ? 0 : (0xff << (8 - $bits)) & 0xff;
        $out .= chr(ord($bin[$i]) & $mask);
    }
    return $out;
}

/** Whether an address (text: IPv4, IPv6, IPv4-mapped IPv6) lies in one of the entries (IPs or CIDR ranges). */
function harmonyuser_bridge_ip_matches($ip, array $entries) {
    $bin = harmonyuser_bridge_ip_bin($ip);
    if ($bin === null) {
        return false;
    }
    foreach ($entries as $entry) {
        $parsed = harmonyuser_bridge_parse_cidr($entry);
        if (is_wp_error($parsed) || strlen($parsed[0]) !== strlen($bin)) {
            continue;
        }
        if (harmonyuser_bridge_mask($bin, $parsed[1]) === $parsed[0]) {
            return true;
        }
    }
    return false;
}

/** "1.2.3.4", "1.2.3.4:5678", "[2001:db8::1]:443", "2001:db8::1" → the address; '' when it is none. */
function harmonyuser_bridge_strip_port($value) {
    $value = trim((string) $value, " \t\"");
    if (preg_match('/^\[([^\]]+)\](?::\d+)?$/', $value, $m)) {
        return $m[1];
    }
    if (preg_match('/^(\d{1,3}(?:\.\d{1,3}){3}):\d+$/', $value, $m)) {
        return $m[1];
    }
    return $value;
}

/**
 * The address of the client: REMOTE_ADDR, unless REMOTE_ADDR is a trusted proxy; then the right-most entry of
 * X-Forwarded-For that is not a trusted proxy (entries left of it could be forged by the client).
 */
function harmonyuser_bridge_client_ip() {
    $remote = isset($_SERVER['REMOTE_ADDR']) ? harmonyuser_bridge_strip_port(wp_unslash($_SERVER['REMOTE_ADDR'])) : '';
    $proxies = harmonyuser_bridge_trusted_proxies();
    if (!$proxies || !harmonyuser_bridge_ip_matches($remote, $proxies) || empty($_SERVER['HTTP_X_FORWARDED_FOR'])) {
        return $remote;
    }
    $hops = array_map('harmonyuser_bridge_strip_port', explode(',', (string) wp_unslash($_SERVER['HTTP_X_FORWARDED_FOR'])));
    $hops = array_values(array_filter($hops, 'strlen'));
    for ($i = count($hops) - 1; $i >= 0; $i--) {
        if (!harmonyuser_bridge_ip_matches($hops[$i], $proxies)) {
            return $hops[$i]; // may be garbage: then it matches no allowlist entry (fails closed)
        }
    }
    return $hops ? $hops[0] : $remote;
}

/** Whether application-password requests from this address are allowed (always, when the allowlist is off). */
function harmonyuser_bridge_ip_allowed($ip) {
    if (!harmonyuser_bridge_allowlist_enabled()) {
        return true;
    }
    return harmonyuser_bridge_ip_matches($ip, array_column(harmonyuser_bridge_allowlist(), 'cidr'));
}

/* ------------------------------------------------------------------ application-password requests */

/** The application password that authenticated this request: array('uuid', 'user_id') or null. */
function harmonyuser_bridge_app_password($set = null) {
    static $current = null;
    if ($set !== null) {
        $current = $set ?: null;
    }
    return $current;
}

function harmonyuser_bridge_is_app_password_request() {
    global $current_user;
    if (harmonyuser_bridge_app_password() === null && !($current_user instanceof WP_User) && did_action('init') && !doing_filter('determine_current_user')) {
        wp_get_current_user(); // authentication is lazy (and REST starts it over): run it now
    }
    return harmonyuser_bridge_app_password() !== null;
}

/** Remembers the application password that authenticated this request. */
function harmonyuser_bridge_note_app_password($user, $item) {
    harmonyuser_bridge_app_password(array('uuid' => isset($item['uuid']) ? (string) $item['uuid'] : '', 'user_id' => (int) $user->ID));
}

/** The allowlist's refusal of this request's application password (a WP_Error), once there was one. */
function harmonyuser_bridge_ip_refusal($set = null) {
    static $refusal = null;
    if ($set !== null) {
        $refusal = $set;
    }
    return $refusal;
}

/** The allowlist: a valid application password from elsewhere does not authenticate anyone. */
function harmonyuser_bridge_check_app_password_ip($error, $user, $item) {
    $ip = harmonyuser_bridge_client_ip();
    if (!harmonyuser_bridge_ip_allowed($ip)) {
        $message = sprintf('Application passwords are not accepted from %s on this site (HarmonyUser Sync IP allowlist).', $ip !== '' ? $ip : 'an unknown address');
        $error->add('harmonyuser_ip_not_allowed', $message, array('status' => 403));
        harmonyuser_bridge_ip_refusal(new WP_Error('harmonyuser_ip_not_allowed', $message, array('status' => 403)));
    }
}

/**
 * REST answers that refusal as a 403. Core checks application-password errors (priority 90) before anything has
 * necessarily authenticated: application passwords count only once REST_REQUEST is defined, so the REST server
 * clears the anonymous user WP::init() found, and the next wp_get_current_user() (on a quiet site: the cookie check
 * at 100) authenticates; the refusal would then be a generic 401. Authenticate first, and name the refusal.
 */
function harmonyuser_bridge_rest_ip_refusal($result) {
    if (!empty($result)) {
        return $result;
    }
    wp_get_current_user(); // cached once known; the REST server has just cleared an anonymous one
    $refusal = harmonyuser_bridge_ip_refusal();
    return $refusal ? $refusal : $result;
}

/* ------------------------------------------------------------------ the rules */

function harmonyuser_bridge_read_only_error() {
    return new WP_Error(
        'harmonyuser_site_read_only',
        'This site is read-only for synchronisation: user creates, updates and deletes through application passwords are refused.',
        array('status' => 403)
    );
}

function harmonyuser_bridge_rejects_error($user_id) {
    return new WP_Error(
        'harmonyuser_user_rejects_incoming',
        'This user rejects incoming sync modifications: changes through application passwords are refused.',
        array('status' => 403, 'userId' => (int) $user_id)
    );
}

/**
 * Whether the user rejected incoming changes when this request first asked (users created in this request never
 * do). The first answer is kept, so switching the flag off in a request does not open the rest of it.
 */
function harmonyuser_bridge_user_rejects($user_id) {
    static $seen = array();
    $user_id = (int) $user_id;
    if ($user_id <= 0) {
        return false;
    }
    if (!array_key_exists($user_id, $seen)) {
        if (function_exists('harmonyuser_bridge_created_in_request') && harmonyuser_bridge_created_in_request($user_id)) {
            return false;
        }
        global $wpdb;
        $value = $wpdb->get_var($wpdb->prepare(
            "SELECT meta_value FROM {$wpdb->usermeta} WHERE user_id = %d AND meta_key = 'harmonyuser_reject_incoming' ORDER BY umeta_id LIMIT 1",
            $user_id
        ));
        $seen[$user_id] = $value === '1';
    }
    return $seen[$user_id];
}

/** The refusal for a change to this user (0: a new user) in this request, or null when it may go ahead. */
function harmonyuser_bridge_guard_check($user_id) {
    if (!harmonyuser_bridge_is_app_password_request() || (function_exists('harmonyuser_bridge_internal') && harmonyuser_bridge_internal())) {
        return null;
    }
    if (harmonyuser_bridge_is_read_only()) {
        return harmonyuser_bridge_read_only_error();
    }
    if ($user_id > 0 && harmonyuser_bridge_user_rejects($user_id)) {
        return harmonyuser_bridge_rejects_error($user_id);
    }
    return null;
}

/**
 * The user a REST write request changes: array(true, user id or 0 for a create) for a known user-write route,
 * array(false) otherwise.
 */
function harmonyuser_bridge_rest_write_target(WP_REST_Request $request) {
    if (in_array($request->get_method(), array('GET', 'HEAD', 'OPTIONS'), true)) {
        return array(false);
    }
    $route = untrailingslashit($request->get_route());
    $me = function ($id) {
        return $id === 'me' ? get_current_user_id() : (int) $id;
    };
    if ($route === '/wp/v2/users' || preg_match('#^/wc/v\d+/customers(?:/batch)?$#', $route)) {
        return array(true, 0);
    }
    // Minting or renaming application passwords is a change to the user too (a leaked password could otherwise
    // make itself a successor that outlives its revocation); revoking one is always allowed.
    if (preg_match('#^/wp/v2/users/(\d+|me)/application-passwords(?:/[0-9a-f-]{36})?$#i', $route, $m)) {
        return $request->get_method() === 'DELETE' ? array(false) : array(true, $me($m[1]));
    }
    if (preg_match('#^/wp/v2/users/(\d+|me)$#', $route, $m)
        || preg_match('#^/' . preg_quote(HARMONYUSER_BRIDGE_NS, '#') . '/users/(\d+)/password-hash$#', $route, $m)
        || preg_match('#^/wc/v\d+/customers/(\d+)$#', $route, $m)) {
        return array(true, $me($m[1]));
    }
    return array(false);
}

/**
 * Layer 1: known user-write routes, before their callbacks (and before their permission checks). Runs for every
 * sub-request of /batch/v1 too, so each refused item gets its own 403.
 */
function harmonyuser_bridge_guard_rest_write($response, $handler, $request) {
    if (is_wp_error($response) || !($request instanceof WP_REST_Request)) {
        return $response;
    }
    $target = harmonyuser_bridge_rest_write_target($request);
    if (!$target[0]) {
        return $response;
    }
    $refusal = harmonyuser_bridge_guard_check($target[1]);
    return $refusal ? $refusal : $response;
}

/** Layer 2: stops the request (403, the error as JSON for REST) when a write to a user reaches the data layer. */
function harmonyuser_bridge_guard_stop($user_id) {
    $refusal = harmonyuser_bridge_guard_check($user_id);
    if ($refusal) {
        wp_die($refusal, 'Forbidden', array('response' => 403));
    }
}

/** Layer 2: a user insert or update through an application password, refused when the rules say so. */
function harmonyuser_bridge_guard_user_insert($data, $update, $user_id) {
    harmonyuser_bridge_guard_stop($update ? (int) $user_id : 0);
    return $data;
}

/** Layer 2: a user delete through an application password, refused when the rules say so. */
function harmonyuser_bridge_guard_user_delete($user_id) {
    harmonyuser_bridge_guard_stop((int) $user_id);
}

/** Meta keys a write to which changes the user: roles/capabilities, the plugin's keys, registered (REST) keys. */
function harmonyuser_bridge_guarded_meta_key($key) {
    global $wpdb;
    $prefix = $wpdb->get_blog_prefix();
    if ($key === $prefix . 'capabilities' || $key === $prefix . 'user_level') {
        return true;
    }
    if (strpos($key, 'harmonyuser_') === 0) {
        return $key !== 'harmonyuser_last_changed';
    }
    return in_array($key, array('first_name', 'last_name', 'nickname', 'description', 'locale'), true)
        || array_key_exists($key, get_registered_meta_keys('user'));
}

/** Layer 2: a write to a guarded meta key (add, update, delete), refused when the rules say so. */
function harmonyuser_bridge_guard_meta_write($check, $user_id, $key) {
    if (harmonyuser_bridge_guarded_meta_key((string) $key)) {
        harmonyuser_bridge_guard_stop((int) $user_id);
    }
    return $check;
}

/** Writes to the users table that bypass every hook (wp_set_password, $wpdb->update of user_pass). */
function harmonyuser_bridge_guard_users_query($query) {
    global $wpdb;
    $head = strtoupper(substr(ltrim($query), 0, 7));
    if ($head !== 'UPDATE ' && $head !== 'INSERT ' && $head !== 'DELETE ' && $head !== 'REPLACE') {
        return $query;
    }
    if (!preg_match('/^\s*(?:UPDATE|INSERT\s+INTO|DELETE\s+FROM|REPLACE\s+INTO)\s+`?' . preg_quote($wpdb->users, '/') . '`?\s/i', $query)) {
        return $query;
    }
    if (harmonyuser_bridge_app_password() === null) {
        return $query; // not an application-password request (checked without starting authentication)
    }
    $user_id = preg_match('/WHERE\s+`?ID`?\s*=\s*\'?(\d+)\'?/i', $query, $m) ? (int) $m[1] : 0;
    harmonyuser_bridge_guard_stop($user_id);
    return $query;
}

/** The sync node can learn the site's switch before it writes. */
function harmonyuser_bridge_info_read_only($response, $server, $request) {
    if ($response instanceof WP_REST_Response && $request->get_route() === '/' . HARMONYUSER_BRIDGE_NS . '/info' && $response->get_status() === 200) {
        $data = $response->get_data();
        if (is_array($data)) {
            $data['readOnly'] = harmonyuser_bridge_is_read_only();
            if (isset($data['features']) && is_array($data['features'])) {
                $data['features'][] = 'guard';
            }
            $response->set_data($data);
        }
    }
    return $response;
}
