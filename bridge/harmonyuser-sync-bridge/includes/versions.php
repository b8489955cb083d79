<?php
/**
 * Versions: what orders the changes to one user across the whole network.
 *
 * A version is a hybrid logical clock reading, sprintf('%017d.%04d.%s', wall time in µs, counter, site id), fixed
 * width so versions compare as plain strings: the wall time orders changes, the counter orders changes within one
 * microsecond (or behind a clock that went back), the site id breaks the last ties the same way on every site.
 * A new local version is max(now, the last one issued or observed) with the counter bumped when the wall time did
 * not advance; every version applied here is observed first, so a later local change is always newer than what
 * this site has seen. The clock lives in one option row, read and written under a MariaDB/MySQL named lock.
 *
 * Every user has a map field → version in the user meta harmonyuser_versions (REST field names, meta.<key>,
 * password). Local changes (anything but a versioned sync write) give every field they change one new version at
 * the end of the request (the tracker, includes/events.php). A REST write carrying harmonyuser_versions is a
 * compare-and-set under a per-user lock: fields whose version is not newer than the stored one are dropped from
 * the request before WordPress runs it (older loses, per field), the answer names them in harmonyuser_stale, and
 * the stored map becomes the per-field maximum. A delete carrying harmonyuser_version loses (409) to a newer field;
 * its tombstone keeps the version, and a versioned create of that sync id that is not newer than the tombstone
 * loses (409) too.
 */

if (!defined('ABSPATH')) {
    exit;
}

define('HARMONYUSER_BRIDGE_SITE_ID_OPTION', 'harmonyuser_site_id');
define('HARMONYUSER_BRIDGE_CLOCK_OPTION', 'harmonyuser_bridge_clock');
define('HARMONYUSER_BRIDGE_VERSIONS_META', 'harmonyuser_versions');
if (!defined('HARMONYUSER_BRIDGE_MAX_USER_LOCKS')) {
    define('HARMONYUSER_BRIDGE_MAX_USER_LOCKS', 100);
}
define('HARMONYUSER_BRIDGE_VERSION_PATTERN', '^[0-9]{17}\.[0-9]{4}\.[0-9a-z]{1,32}$');

/** REST user fields that carry a version, and the event field (user payload) each one is. */
function harmonyuser_bridge_versioned_fields() {
    return array(
        'email' => 'email',
        'name' => 'displayName',
        'first_name' => 'firstName',
        'last_name' => 'lastName',
        'nickname' => 'nickname',
        'url' => 'url',
        'description' => 'description',
        'locale' => 'locale',
        'roles' => 'roles',
    );
}

function harmonyuser_bridge_is_version($value) {
    return is_string($value) && (bool) preg_match('/' . HARMONYUSER_BRIDGE_VERSION_PATTERN . '/', $value);
}

/** The newest of some versions (null when there are none). */
function harmonyuser_bridge_newest_version($versions) {
    $newest = null;
    foreach ((array) $versions as $version) {
        if (harmonyuser_bridge_is_version($version) && ($newest === null || strcmp($version, $newest) > 0)) {
            $newest = $version;
        }
    }
    return $newest;
}

/* ------------------------------------------------------------------ the site's clock */

/** This site's id in versions: 8 random lower-case hex characters, chosen once (the first writer wins). */
function harmonyuser_bridge_site_id() {
    global $wpdb;
    static $id = null;
    if ($id !== null) {
        return $id;
    }
    $read = function () use ($wpdb) {
        return (string) $wpdb->get_var($wpdb->prepare("SELECT option_value FROM {$wpdb->options} WHERE option_name = %s", HARMONYUSER_BRIDGE_SITE_ID_OPTION));
    };
    $stored = $read();
    if (!preg_match('/^[0-9a-f]{8}$/', $stored)) {
        // INSERT IGNORE, not add_option(): two first requests at once must agree on one id.
        $wpdb->query($wpdb->prepare(
            "INSERT IGNORE INTO {$wpdb->options} (option_name, option_value, autoload) VALUES (%s, %s, 'yes')",
            HARMONYUSER_BRIDGE_SITE_ID_OPTION,
            bin2hex(random_bytes(4))
        ));
        $stored = $read();
        if (!preg_match('/^[0-9a-f]{8}$/', $stored)) {
            $stored = bin2hex(random_bytes(4)); // a broken row: replace it
            $wpdb->update($wpdb->options, array('option_value' => $stored), array('option_name' => HARMONYUSER_BRIDGE_SITE_ID_OPTION));
        }
        wp_cache_delete('alloptions', 'options');
        wp_cache_delete('notoptions', 'options');
    }
    $id = $stored;
    return $id;
}

/** Now in microseconds since the epoch (exact: from microtime()'s string, not a float). */
function harmonyuser_bridge_now_us() {
    list($fraction, $seconds) = explode(' ', microtime());
    return (int) $seconds * 1000000 + (int) substr($fraction . '000000', 2, 6);
}

/**
 * One step of the clock, atomic across requests (named lock around the read and write of its option row):
 * $observe null issues a new local version and returns it; a version advances the clock to it if it is ahead.
 */
function harmonyuser_bridge_clock($observe = null) {
    global $wpdb;
    $lock = 'hus_clk_' . md5(DB_NAME . '|' . $wpdb->prefix);
    $locked = (string) $wpdb->get_var($wpdb->prepare('SELECT GET_LOCK(%s, 5)', $lock)) === '1';
    $stored = (string) $wpdb->get_var($wpdb->prepare("SELECT option_value FROM {$wpdb->options} WHERE option_name = %s", HARMONYUSER_BRIDGE_CLOCK_OPTION));
    $wall = 0;
    $counter = 0;
    if (preg_match('/^([0-9]{17})\.([0-9]{4})$/', $stored, $m)) {
        $wall = (int) $m[1];
        $counter = (int) $m[2];
    }
    $issued = null;
    if ($observe !== null) {
        $write = false;
        if (preg_match('/^([0-9]{17})\.([0-9]{4})\./', (string) $observe, $m)) {
            $w = (int) $m[1];
            $c = (int) $m[2];
            if ($w > $wall || ($w === $wall && $c > $counter)) {
                $wall = $w;
                $counter = $c;
                $write = true;
            }
        }
    } else {
        $write = true;
        $now = harmonyuser_bridge_now_us();
        if ($now > $wall) {
            $wall = $now;
            $counter = 0;
        } elseif ($counter >= 9999) {
            $wall++;
            $counter = 0;
        } else {
            $counter++;
        }
        $issued = sprintf('%017d.%04d.%s', $wall, $counter, harmonyuser_bridge_site_id());
    }
    if ($write) {
        $wpdb->query($wpdb->prepare(
            "INSERT INTO {$wpdb->options} (option_name, option_value, autoload) VALUES (%s, %s, 'no')
             ON DUPLICATE KEY UPDATE option_value = VALUES(option_value)",
            HARMONYUSER_BRIDGE_CLOCK_OPTION,
            sprintf('%017d.%04d', $wall, $counter)
        ));
    }
    if ($locked) {
        $wpdb->query($wpdb->prepare('SELECT RELEASE_LOCK(%s)', $lock));
    }
    return $issued;
}

/** A new local version (strictly newer than every version this site issued or applied). */
function harmonyuser_bridge_new_version() {
    return harmonyuser_bridge_clock(null);
}

/** Receiving a version: the clock moves past it, so later local changes are newer. */
function harmonyuser_bridge_observe_version($version) {
    if (harmonyuser_bridge_is_version($version)) {
        harmonyuser_bridge_clock($version);
    }
}

/* ------------------------------------------------------------------ per-user locks */

/**
 * Takes the per-user lock (a named lock, server-wide, so named after the database and table prefix too) for the
 * rest of this request: every change to a user, a sync write's compare-and-set and the tracker's versioning at
 * shutdown run under it, so two writers cannot interleave between reading and setting a user's versions.
 * Returns false when it could not be had within $wait seconds. $optional (the tracker's): not taken once this
 * request holds HARMONYUSER_BRIDGE_MAX_USER_LOCKS (a bulk import of thousands of users keeps going unlocked).
 */
function harmonyuser_bridge_user_lock($user_id, $wait = 10, $optional = false) {
    global $wpdb;
    $user_id = (int) $user_id;
    if ($user_id <= 0) {
        return true;
    }
    $held = &harmonyuser_bridge_held_user_locks();
    if (isset($held[$user_id])) {
        return true;
    }
    if ($optional && count($held) >= HARMONYUSER_BRIDGE_MAX_USER_LOCKS) {
        return false;
    }
    $name = 'hus_usr_' . md5(DB_NAME . '|' . $wpdb->prefix . '|' . $user_id);
    if ((string) $wpdb->get_var($wpdb->prepare('SELECT GET_LOCK(%s, %d)', $name, (int) $wait)) !== '1') {
        return false;
    }
    $held[$user_id] = $name;
    return true;
}

/** The per-user locks this request holds (user id => lock name). */
function &harmonyuser_bridge_held_user_locks() {
    static $held = array();
    return $held;
}

/** Releases every per-user lock of this request: by the tracker once its events are queued, else at shutdown (100). */
function harmonyuser_bridge_release_user_locks() {
    global $wpdb;
    $held = &harmonyuser_bridge_held_user_locks();
    foreach ($held as $name) {
        $wpdb->query($wpdb->prepare('SELECT RELEASE_LOCK(%s)', $name));
    }
    $held = array();
}

/* ------------------------------------------------------------------ a user's versions */

/** The user's versions, read from the database (not the cache: another request may just have set them). */
function harmonyuser_bridge_user_versions($user_id, $fresh = true) {
    global $wpdb;
    if ($fresh) {
        $raw = $wpdb->get_var($wpdb->prepare(
            "SELECT meta_value FROM {$wpdb->usermeta} WHERE user_id = %d AND meta_key = %s ORDER BY umeta_id LIMIT 1",
            (int) $user_id,
            HARMONYUSER_BRIDGE_VERSIONS_META
        ));
    } else {
        $raw = get_user_meta((int) $user_id, HARMONYUSER_BRIDGE_VERSIONS_META, true);
    }
    $map = is_string($raw) && $raw !== '' ? json_decode($raw, true) : null;
    $out = array();
    foreach (is_array($map) ? $map : array() as $key => $version) {
        if (is_string($key) && $key !== '' && harmonyuser_bridge_is_version($version)) {
            $out[$key] = $version;
        }
    }
    ksort($out);
    return $out;
}

function harmonyuser_bridge_store_user_versions($user_id, array $map) {
    ksort($map);
    wp_cache_delete((int) $user_id, 'user_meta'); // update_metadata() skips a write equal to a stale cached value
    harmonyuser_bridge_set_meta_internal((int) $user_id, HARMONYUSER_BRIDGE_VERSIONS_META, wp_json_encode((object) $map));
}

/** Versioned keys of a user payload (the event's user object): all of them, for a user that did not exist before. */
function harmonyuser_bridge_all_version_keys(array $payload) {
    $keys = array_keys(harmonyuser_bridge_versioned_fields());
    foreach (array_keys((array) (isset($payload['meta']) ? $payload['meta'] : array())) as $meta_key) {
        $keys[] = 'meta.' . $meta_key;
    }
    $keys[] = 'password';
    return $keys;
}

/** The versioned keys whose values differ between two payloads of one user. */
function harmonyuser_bridge_changed_version_keys(array $before, array $after) {
    $keys = array();
    foreach (harmonyuser_bridge_versioned_fields() as $key => $field) {
        $b = isset($before[$field]) ? $before[$field] : null;
        $a = isset($after[$field]) ? $after[$field] : null;
        if ($key === 'roles') {
            $b = (array) $b;
            $a = (array) $a;
            sort($b);
            sort($a);
        }
        if (harmonyuser_bridge_canonical($b) !== harmonyuser_bridge_canonical($a)) {
            $keys[] = $key;
        }
    }
    $bm = (array) (isset($before['meta']) ? $before['meta'] : array());
    $am = (array) (isset($after['meta']) ? $after['meta'] : array());
    foreach (array_unique(array_merge(array_keys($bm), array_keys($am))) as $meta_key) {
        $b = array_key_exists($meta_key, $bm) ? $bm[$meta_key] : null;
        $a = array_key_exists($meta_key, $am) ? $am[$meta_key] : null;
        if (harmonyuser_bridge_canonical($b) !== harmonyuser_bridge_canonical($a)) {
            $keys[] = 'meta.' . $meta_key;
        }
    }
    if (array_key_exists('passwordHash', $before) && array_key_exists('passwordHash', $after) && $before['passwordHash'] !== $after['passwordHash']) {
        $keys[] = 'password';
    }
    return $keys;
}

/** Versions applied by versioned sync writes in this request: user id => key => version. */
function harmonyuser_bridge_applied_versions($user_id, $applied = null) {
    static $all = array();
    $user_id = (int) $user_id;
    if ($applied !== null) {
        $all[$user_id] = array_merge(isset($all[$user_id]) ? $all[$user_id] : array(), $applied);
    }
    return isset($all[$user_id]) ? $all[$user_id] : array();
}

/**
 * The tracker's versioning of one user's change (includes/events.php, at shutdown, under the user's lock): every
 * changed field gets the version a sync write applied to it in this request, or else one new local version for
 * all of them. $before null: the user was created in this request (all fields changed).
 * Returns array('map' => the user's whole map, 'changed' => key => version).
 */
function harmonyuser_bridge_version_change($user_id, $before, array $after) {
    $keys = $before === null ? harmonyuser_bridge_all_version_keys($after) : harmonyuser_bridge_changed_version_keys($before, $after);
    $map = harmonyuser_bridge_user_versions($user_id);
    $applied = harmonyuser_bridge_applied_versions($user_id);
    $changed = array();
    $local = null;
    foreach ($keys as $key) {
        if (isset($applied[$key])) {
            $changed[$key] = $applied[$key];
            continue;
        }
        if ($local === null) {
            $local = harmonyuser_bridge_new_version();
        }
        $map[$key] = $local;
        $changed[$key] = $local;
    }
    if ($local !== null) {
        harmonyuser_bridge_store_user_versions($user_id, $map);
    }
    ksort($map);
    return array('map' => $map, 'changed' => $changed);
}

/**
 * Puts the versions on an event: `version` is the newest of the fields this event changed ($keys: which of the
 * changed fields it reports; null: all), `user.versions` the user's whole map.
 */
function harmonyuser_bridge_stamp_event(array $event, array $stamp, $only = null) {
    $changed = $stamp['changed'];
    if ($only !== null) {
        $changed = array_intersect_key($changed, array_flip((array) $only));
    }
    $newest = harmonyuser_bridge_newest_version($changed);
    if ($newest !== null) {
        $event['version'] = $newest;
    }
    $event['user']['versions'] = (object) $stamp['map'];
    return $event;
}

/**
 * The version of a user's delete in this request: the one a versioned DELETE carried ($set), else a new local one
 * (asked once, kept: the tombstone and the user.deleted event carry the same).
 */
function harmonyuser_bridge_delete_version($user_id, $set = null) {
    static $versions = array();
    $user_id = (int) $user_id;
    if ($set !== null) {
        $versions[$user_id] = $set;
    } elseif (!isset($versions[$user_id])) {
        $versions[$user_id] = harmonyuser_bridge_new_version();
    }
    return $versions[$user_id];
}

/** The newest tombstone of a sync id: array('version' => …, 'time' => …) or null. */
function harmonyuser_bridge_tombstone_of($sync_id) {
    global $wpdb;
    $sync_id = strtolower(trim((string) $sync_id));
    if (!harmonyuser_bridge_is_uuid($sync_id)) {
        return null;
    }
    $row = $wpdb->get_row($wpdb->prepare(
        'SELECT version, deleted_at FROM ' . harmonyuser_bridge_tombstone_table() . " WHERE sync_id = %s AND version <> '' ORDER BY version DESC LIMIT 1",
        $sync_id
    ));
    return $row ? array('version' => $row->version, 'time' => $row->deleted_at) : null;
}

/* ------------------------------------------------------------------ REST: the fields */

/** Compare-and-set state of the REST requests of this process: spl_object_id(request) => state. */
function &harmonyuser_bridge_cas_states() {
    static $states = array();
    return $states;
}

function harmonyuser_bridge_cas_state($request) {
    $states = &harmonyuser_bridge_cas_states();
    $key = is_object($request) ? spl_object_id($request) : 0;
    return isset($states[$key]) ? $states[$key] : null;
}

/** Registers the REST user fields harmonyuser_versions and harmonyuser_stale. */
function harmonyuser_bridge_register_version_fields() {
    register_rest_field('user', 'harmonyuser_versions', array(
        'get_callback' => function ($user) {
            return (object) harmonyuser_bridge_user_versions((int) $user['id'], false);
        },
        'update_callback' => null, // applied by the compare-and-set below, never stored as given
        'schema' => array(
            'type' => 'object',
            'context' => array('edit'),
            'additionalProperties' => array('type' => 'string', 'pattern' => HARMONYUSER_BRIDGE_VERSION_PATTERN),
            'description' => 'The version of each field of this user (REST field names, meta.<key>, password). On a write: the versions of the fields written, compared and set atomically (a field not newer than the stored version is left out and named in harmonyuser_stale).',
        ),
    ));
    register_rest_field('user', 'harmonyuser_stale', array(
        'get_callback' => function ($user, $field, $request) {
            $state = harmonyuser_bridge_cas_state($request);
            return $state && (int) $state['user'] === (int) $user['id'] ? array_values($state['stale']) : array();
        },
        'update_callback' => null,
        'schema' => array(
            'type' => 'array',
            'items' => array('type' => 'string'),
            'context' => array('edit'),
            'readonly' => true,
            'description' => 'In the answer to a versioned write: the fields left out because this site holds a version at least as new.',
        ),
    ));
}

/* ------------------------------------------------------------------ REST: compare-and-set */

/** Parameters of a users route that are not user data. */
function harmonyuser_bridge_non_data_params() {
    return array('context', '_fields', '_envelope', '_method', '_locale', '_embed', '_jsonp', '_wpnonce', 'rest_route', 'id', 'force', 'reassign', 'harmonyuser_versions');
}

/** Whether a write request still carries anything to write. */
function harmonyuser_bridge_request_has_data(WP_REST_Request $request) {
    $params = array_merge((array) $request->get_query_params(), (array) $request->get_body_params(), (array) $request->get_json_params());
    foreach (array_diff(array_keys($params), harmonyuser_bridge_non_data_params()) as $key) {
        if ($key !== 'meta' || (is_array($params['meta']) && $params['meta'])) {
            return true;
        }
    }
    return false;
}

/** The request carries the field named by this version key. */
function harmonyuser_bridge_request_has_key(WP_REST_Request $request, $key) {
    if (strpos($key, 'meta.') === 0) {
        $meta = $request->get_param('meta');
        return is_array($meta) && array_key_exists(substr($key, 5), $meta);
    }
    if ($key === 'password') {
        return $request->get_param('harmonyuser_password_hash') !== null || $request->get_param('password') !== null;
    }
    return array_key_exists($key, harmonyuser_bridge_versioned_fields()) && $request->get_param($key) !== null;
}

/** Takes the field named by this version key out of the request (a meta key out of the meta param). */
function harmonyuser_bridge_request_drop_key(WP_REST_Request $request, $key) {
    if (strpos($key, 'meta.') === 0) {
        $meta = $request->get_param('meta');
        unset($meta[substr($key, 5)]);
        if ($meta) {
            $request->set_param('meta', $meta);
        } else {
            unset($request['meta']);
        }
        return;
    }
    if ($key === 'password') {
        unset($request['harmonyuser_password_hash'], $request['password']);
        return;
    }
    unset($request[$key]);
}

/** The versions a write carries, validated: key => version, or a WP_Error. */
function harmonyuser_bridge_versions_param($given) {
    if (!is_array($given)) {
        return new WP_Error('harmonyuser_invalid_versions', 'harmonyuser_versions must be an object of field => version.', array('status' => 400));
    }
    $out = array();
    foreach ($given as $key => $version) {
        if (!is_string($key) || $key === '' || !harmonyuser_bridge_is_version($version)) {
            return new WP_Error('harmonyuser_invalid_versions', sprintf('harmonyuser_versions.%s is not a HarmonyUser version.', (string) $key), array('status' => 400));
        }
        $out[$key] = $version;
    }
    return $out;
}

/**
 * Runs after the route's permission check, right before the users controller: takes the user's lock, and for a
 * versioned write drops the stale fields (or, for a create, refuses one the tombstone of its sync id outranks);
 * for a versioned delete refuses it when the user has a newer field. A write left with nothing to write answers
 * the current user at once.
 */
function harmonyuser_bridge_cas_dispatch($result, $request, $route, $handler) {
    if ($result !== null || !($request instanceof WP_REST_Request)) {
        return $result;
    }
    if (!preg_match('#^/wp/v2/users(?:/(\d+|me))?$#', untrailingslashit($request->get_route()), $m)) {
        return $result;
    }
    $method = $request->get_method();
    $user_id = isset($m[1]) ? ($m[1] === 'me' ? get_current_user_id() : (int) $m[1]) : 0;
    if (!in_array($method, array('POST', 'PUT', 'PATCH', 'DELETE'), true) || ($user_id && !get_userdata($user_id))) {
        return $result; // reads, and missing users (core answers 404)
    }
    if ($user_id && !harmonyuser_bridge_user_lock($user_id, 10)) {
        return new WP_Error('harmonyuser_busy', 'Another request is changing this user; retry.', array('status' => 503));
    }
    if ($method === 'DELETE') {
        return harmonyuser_bridge_cas_delete($request, $user_id);
    }
    $given = $request->get_param('harmonyuser_versions');
    if ($given === null) {
        return $result; // a local change: the tracker versions it
    }
    if (!current_user_can('edit_users')) {
        return new WP_Error('rest_cannot_edit', 'Sorry, you are not allowed to write versions.', array('status' => rest_authorization_required_code()));
    }
    $versions = harmonyuser_bridge_versions_param($given);
    if (is_wp_error($versions)) {
        return $versions;
    }
    if (!$user_id) {
        $meta = $request->get_param('meta');
        $sync_id = is_array($meta) && isset($meta['harmonyuser_sync_id']) ? $meta['harmonyuser_sync_id'] : '';
        $tombstone = harmonyuser_bridge_tombstone_of($sync_id);
        $newest = harmonyuser_bridge_newest_version($versions);
        if ($tombstone && $newest !== null && strcmp($tombstone['version'], $newest) >= 0) {
            return new WP_Error('harmonyuser_stale', 'This site deleted the user with this sync id at a version at least as new as this create.', array('status' => 409, 'tombstone' => $tombstone));
        }
    }
    $stored = $user_id ? harmonyuser_bridge_user_versions($user_id) : array();
    $applied = array();
    $stale = array();
    foreach ($versions as $key => $version) {
        if (!harmonyuser_bridge_request_has_key($request, $key)) {
            continue; // a version without its value is not applied
        }
        if (isset($stored[$key]) && strcmp($version, $stored[$key]) <= 0) {
            $stale[] = $key;
            harmonyuser_bridge_request_drop_key($request, $key);
        } else {
            $applied[$key] = $version;
        }
    }
    $states = &harmonyuser_bridge_cas_states();
    $states[spl_object_id($request)] = array('user' => $user_id, 'applied' => $applied, 'stale' => $stale);
    if ($user_id && $stale && !harmonyuser_bridge_request_has_data($request)) {
        $controller = is_array($handler['callback']) ? $handler['callback'][0] : null;
        if ($controller instanceof WP_REST_Users_Controller) {
            return $controller->prepare_item_for_response(get_userdata($user_id), $request);
        }
    }
    return $result;
}

/** A versioned DELETE: refused (409) when a field of the user is newer; otherwise its version goes to the tombstone. */
function harmonyuser_bridge_cas_delete(WP_REST_Request $request, $user_id) {
    $version = $request->get_param('harmonyuser_version');
    if ($version === null || $version === '' || !$user_id) {
        return null;
    }
    if (!harmonyuser_bridge_is_version($version)) {
        return new WP_Error('harmonyuser_invalid_version', 'harmonyuser_version is not a HarmonyUser version.', array('status' => 400));
    }
    $newest = harmonyuser_bridge_newest_version(harmonyuser_bridge_user_versions($user_id));
    if ($newest !== null && strcmp($newest, $version) > 0) {
        return new WP_Error('harmonyuser_stale', 'The user changed on this site after this delete: it was not deleted.', array('status' => 409, 'version' => $newest));
    }
    harmonyuser_bridge_observe_version($version);
    harmonyuser_bridge_delete_version($user_id, $version);
    return null;
}

/**
 * After a versioned write (the user, roles, meta and password hash are written): the stored map becomes the
 * per-field maximum, the clock observes the versions, and the tracker learns that these fields changed by these
 * versions (no new local version for them). A created user's fields without a version take the create's newest.
 */
function harmonyuser_bridge_cas_after_insert($user, $request, $creating) {
    $state = harmonyuser_bridge_cas_state($request);
    if (!$state || !($user instanceof WP_User)) {
        return;
    }
    $applied = $state['applied'];
    $newest = harmonyuser_bridge_newest_version($applied);
    if ($newest === null) {
        return;
    }
    if ($creating) {
        $payload = harmonyuser_bridge_user_payload($user->ID, false);
        foreach (harmonyuser_bridge_all_version_keys($payload ? $payload : array()) as $key) {
            if (!isset($applied[$key])) {
                $applied[$key] = $newest;
            }
        }
    }
    harmonyuser_bridge_user_lock($user->ID, 10);
    $map = harmonyuser_bridge_user_versions($user->ID);
    foreach ($applied as $key => $version) {
        if (!isset($map[$key]) || strcmp($version, $map[$key]) > 0) {
            $map[$key] = $version;
        }
    }
    harmonyuser_bridge_observe_version($newest);
    harmonyuser_bridge_store_user_versions($user->ID, $map);
    harmonyuser_bridge_applied_versions($user->ID, $applied);
}

/** The compare-and-set state of a REST request ends with it. */
function harmonyuser_bridge_cas_forget($response, $handler, $request) {
    $states = &harmonyuser_bridge_cas_states();
    if (is_object($request)) {
        unset($states[spl_object_id($request)]);
    }
    return $response;
}
