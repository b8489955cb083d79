<?php
/**
 * Password hash formats, so that a synced password never locks anyone out.
 *
 * - Which formats this site verifies (GET /info `hashFormats`): phpass ($P$, every WordPress), wp-bcrypt
 *   (WordPress 6.8's $wp$2y$), bcrypt (plain $2y$) and argon2 ($argon2i$/$argon2id$, when PHP has it). Found by
 *   verifying a probe hash of each format with this site's own wp_check_password() (a plugin may replace it), so
 *   the answer is what a login here would do. A hash of a format the site cannot verify is never written
 *   (400 harmonyuser_hash_unsupported), before anything of the request is: the user keeps the password they have.
 * - A login-time rehash is not a password change: 6.8 rehashes a phpass (or cheaper bcrypt) hash at the first
 *   login with the same password. The tracker (includes/events.php) asks harmonyuser_bridge_password_rehashed()
 *   and emits no user.password_changed for it, so a two-way sync never sends 6.8's bcrypt back to a 6.1 site.
 * - A create that carries the source's hash does not pay for hashing the throwaway password the REST API needs
 *   (bcrypt cost 10, about 50 ms on 6.8): that one hash is made at bcrypt's lowest cost, and replaced by the
 *   source's hash in the same request, before anything reads it. Nor does a create that says its password is a
 *   throwaway (write-only field harmonyuser_throwaway_password: no password is synced, the user will reset it):
 *   the bridge replaces that password with a random one of its own, hashed at the lowest cost.
 */

if (!defined('ABSPATH')) {
    exit;
}

define('HARMONYUSER_BRIDGE_OPT_HASH_FORMATS', 'harmonyuser_bridge_hash_formats');

/**
 * The formats this site verifies, in the order phpass, wp-bcrypt, bcrypt, argon2. Probed once per WordPress and PHP
 * version (a few milliseconds, kept in an option), and again when another plugin replaces wp_check_password().
 */
function harmonyuser_bridge_hash_formats() {
    $probes = harmonyuser_bridge_hash_probes();
    $formats = array();
    foreach (array('phpass', 'wp-bcrypt', 'bcrypt', 'argon2') as $format) {
        if (!empty($probes[$format])) {
            $formats[] = $format;
        }
    }
    return $formats;
}

/** Whether this site can verify a (plain, not sealed) hash: its format is one it verifies. */
function harmonyuser_bridge_hash_verifiable($hash) {
    $hash = (string) $hash;
    $probes = harmonyuser_bridge_hash_probes();
    if (strncmp($hash, '$H$', 3) === 0) {
        return !empty($probes['phpass-h']); // phpBB's phpass variant: 6.8 verifies only $P$
    }
    $format = harmonyuser_bridge_hash_format($hash);
    return $format !== '' && !empty($probes[$format]);
}

/** format => verified, from the option when it was probed under this WordPress, PHP and wp_check_password(). */
function harmonyuser_bridge_hash_probes() {
    static $probes = null;
    if ($probes !== null) {
        return $probes;
    }
    global $wp_version;
    $checker = new ReflectionFunction('wp_check_password');
    $key = $wp_version . '|' . PHP_VERSION . '|' . $checker->getFileName() . '|' . (empty($GLOBALS['wp_hasher']) ? '' : get_class($GLOBALS['wp_hasher']));
    $stored = get_option(HARMONYUSER_BRIDGE_OPT_HASH_FORMATS);
    if (is_array($stored) && isset($stored['key'], $stored['probes']) && $stored['key'] === $key && is_array($stored['probes'])) {
        $probes = $stored['probes'];
        return $probes;
    }
    $probes = harmonyuser_bridge_probe_hash_formats();
    update_option(HARMONYUSER_BRIDGE_OPT_HASH_FORMATS, array('key' => $key, 'probes' => $probes), false);
    return $probes;
}

/** Verifies a probe hash of each format with this site's wp_check_password(). */
function harmonyuser_bridge_probe_hash_formats() {
    require_once ABSPATH . WPINC . '/class-phpass.php';
    $secret = 'harmonyuser-probe-' . wp_generate_password(16, false);
    $portable = new PasswordHash(8, true);
    $phpass = $portable->HashPassword($secret);
    $bcrypt = password_hash($secret, PASSWORD_BCRYPT, array('cost' => 4));
    // 6.8's own scheme: bcrypt of the base64 HMAC-SHA384 of the password, prefixed with $wp.
    $wp_bcrypt = '$wp' . password_hash(base64_encode(hash_hmac('sha384', $secret, 'wp-sha384', true)), PASSWORD_BCRYPT, array('cost' => 4));
    $candidates = array(
        'phpass' => $phpass,
        'phpass-h' => '$H$' . substr($phpass, 3),
        'wp-bcrypt' => $wp_bcrypt,
        'bcrypt' => $bcrypt,
    );
    if (defined('PASSWORD_ARGON2ID')) {
        $argon2 = password_hash($secret, PASSWORD_ARGON2ID, array('memory_cost' => 1024, 'time_cost' => 1, 'threads' => 1));
        if (is_string($argon2)) {
            $candidates['argon2'] = $argon2;
        }
    }
    $probes = array('phpass' => false, 'phpass-h' => false, 'wp-bcrypt' => false, 'bcrypt' => false, 'argon2' => false);
    foreach ($candidates as $format => $hash) {
        $probes[$format] = is_string($hash) && strlen($hash) > 32 && wp_check_password($secret, $hash) === true;
    }
    return $probes;
}

/**
 * Refuses, before anything of the request is written, a users-route write whose password hash this site cannot
 * verify (400 harmonyuser_hash_unsupported): the whole create or update, so the sender can send it again without the
 * hash. Only for callers who may set hashes; a hash this cannot open or read is left to the field's own errors.
 */
function harmonyuser_bridge_refuse_unverifiable_hash($response, $handler, $request) {
    if ($response !== null || !($request instanceof WP_REST_Request) || $request->get_method() !== 'POST') {
        return $response;
    }
    if (!preg_match('#^/wp/v2/users(?:/(\d+|me))?$#', $request->get_route(), $m)) {
        return $response;
    }
    $hash = $request->get_param('harmonyuser_password_hash');
    if (!is_string($hash) || $hash === '' || !current_user_can('edit_users')) {
        return $response;
    }
    $user_id = isset($m[1]) ? ($m[1] === 'me' ? get_current_user_id() : (int) $m[1]) : 0;
    $meta = $request->get_param('meta');
    $sync_id = is_array($meta) && isset($meta['harmonyuser_sync_id']) && is_string($meta['harmonyuser_sync_id'])
        ? $meta['harmonyuser_sync_id']
        : ($user_id ? (string) get_user_meta($user_id, 'harmonyuser_sync_id', true) : '');
    if (harmonyuser_bridge_is_sealed($hash)) {
        $hash = harmonyuser_bridge_open_hash($hash, $sync_id);
        if (is_wp_error($hash)) {
            return $response;
        }
    }
    if (harmonyuser_bridge_hash_format($hash) === '' || harmonyuser_bridge_hash_verifiable($hash)) {
        return $response;
    }
    return harmonyuser_bridge_hash_unsupported_error($hash);
}

/** 400 harmonyuser_hash_unsupported for a hash of a format this site cannot verify. */
function harmonyuser_bridge_hash_unsupported_error($hash) {
    $format = harmonyuser_bridge_hash_format($hash);
    return new WP_Error(
        'harmonyuser_hash_unsupported',
        sprintf('This site cannot verify %s password hashes (it verifies %s): the password was not changed.', $format, implode(', ', harmonyuser_bridge_hash_formats())),
        array('status' => 400, 'format' => $format, 'hashFormats' => harmonyuser_bridge_hash_formats())
    );
}

/** Request-scoped state of password handling (no plaintext outlives the request). */
final class HarmonyUser_Bridge_Passwords {
    /** @var array<int, string> user id => the password wp_check_password() accepted for them in this request */
    private static $verified = array();
    /** @var array<int, bool> users whose hash was replaced in this request by a hash of that same password */
    private static $rehashed = array();
    /** The next wp_hash_password() hashes a throwaway password: at bcrypt's lowest cost. */
    public static $cheap_next = false;
    /** @var array<int, bool> users whose update in this request sets no password */
    public static $unchanged = array();

    public static function checked($check, $password, $hash, $user_id) {
        if ($check === true && $user_id) {
            self::$verified[(int) $user_id] = (string) $password;
        }
        return $check;
    }

    public static function set($password, $user_id) {
        $user_id = (int) $user_id;
        if (isset(self::$verified[$user_id]) && hash_equals(self::$verified[$user_id], (string) $password)) {
            self::$rehashed[$user_id] = true;
        }
    }

    /**
     * Whether the user's new hash in this request is a hash of the password just verified for them: said by the
     * wp_set_password action (6.2+, a login's rehash), else checked (a 6.1 md5 hash upgraded inside
     * wp_check_password, or any other write of the same password after a login in the same request).
     */
    public static function rehashed($user_id, $new_hash) {
        $user_id = (int) $user_id;
        if (!empty(self::$rehashed[$user_id])) {
            return true;
        }
        if (!isset(self::$verified[$user_id]) || !is_string($new_hash) || $new_hash === '') {
            return false;
        }
        return wp_check_password(self::$verified[$user_id], $new_hash) === true; // no user id: nothing is recorded
    }

    public static function forget() {
        self::$verified = array();
        self::$rehashed = array();
        self::$cheap_next = false;
        self::$unchanged = array();
    }
}

/** Whether the user's hash changed in this request only because the same password was hashed again (a login). */
function harmonyuser_bridge_password_rehashed($user_id, $new_hash) {
    return HarmonyUser_Bridge_Passwords::rehashed($user_id, $new_hash);
}

/**
 * A REST create carrying the source's hash: the throwaway password is hashed at bcrypt's lowest cost (the hash is
 * replaced by the source's in this request). One that says its password is a throwaway: the password is replaced
 * by a random one nobody knows (so a cheap hash of it reveals nothing), hashed the same way. Only the one hash of
 * that insert: the flag is spent by it.
 */
function harmonyuser_bridge_prepare_throwaway_password($prepared, $request) {
    HarmonyUser_Bridge_Passwords::$cheap_next = false;
    if (is_object($prepared) && empty($prepared->ID) && $request instanceof WP_REST_Request && current_user_can('edit_users')) {
        $hash = $request->get_param('harmonyuser_password_hash');
        if (rest_sanitize_boolean($request->get_param('harmonyuser_throwaway_password')) && !(is_string($hash) && $hash !== '')) {
            $prepared->user_pass = wp_generate_password(40, true, true);
            $hash = 'throwaway';
        }
        /**
         * Whether a create that carries a password hash may hash its throwaway password cheaply (default true).
         *
         * @param bool            $cheap   Hash the throwaway password at bcrypt's lowest cost.
         * @param WP_REST_Request $request The create.
         */
        HarmonyUser_Bridge_Passwords::$cheap_next = is_string($hash) && $hash !== '' && !empty($prepared->user_pass)
            && apply_filters('harmonyuser_bridge_cheap_throwaway_hash', true, $request);
    }
    return $prepared;
}

/** Lowers the cost of the one hash rest_pre_insert_user marked as cheap (bcrypt cost 4), and spends the mark. */
function harmonyuser_bridge_hash_password_options($options, $algorithm = null) {
    if (!HarmonyUser_Bridge_Passwords::$cheap_next) {
        return $options;
    }
    HarmonyUser_Bridge_Passwords::$cheap_next = false;
    if ($algorithm === PASSWORD_BCRYPT || $algorithm === null) {
        $options = array_merge((array) $options, array('cost' => 4));
    }
    return $options;
}

/** After a REST insert: no cheap hash is left pending for a later wp_hash_password(). */
function harmonyuser_bridge_spend_cheap_hash() {
    HarmonyUser_Bridge_Passwords::$cheap_next = false;
}

/**
 * An update that does not change the password still writes one: wp_update_user() merges the whole user as this
 * request loaded it, so a password set meanwhile by another request (a sync's hash applied just after its create,
 * the user's own change) would be overwritten with the older hash, and this site would then report a password
 * change nobody made (one that, synced on, locks the user out everywhere). Updates known to leave the password
 * alone (a REST update without `password`, a profile form with no new password) are marked here, and they write
 * the hash the row holds at the moment of the write (harmonyuser_bridge_keep_current_password).
 *
 * @param int $user_id The user whose update sets no password.
 */
function harmonyuser_bridge_mark_password_unchanged($user_id) {
    HarmonyUser_Bridge_Passwords::$unchanged[(int) $user_id] = true;
}

/** A REST update without a password leaves it alone. */
function harmonyuser_bridge_rest_update_keeps_password($prepared, $request) {
    if (is_object($prepared) && !empty($prepared->ID) && empty($prepared->user_pass)) {
        harmonyuser_bridge_mark_password_unchanged($prepared->ID);
    }
    return $prepared;
}

/** A profile form saved without a new password leaves it alone (its nonce is checked by WordPress itself). */
function harmonyuser_bridge_profile_update_keeps_password($user_id) {
    // phpcs:ignore WordPress.Security.NonceVerification.Missing -- read only to know whether a password was typed
    if (empty($_POST['pass1'])) {
        harmonyuser_bridge_mark_password_unchanged($user_id);
    }
}

/**
 * The write of a marked update keeps the hash the row holds now. It runs after the change tracker took the user's
 * lock (a sync's hash write holds it until its request ends), so the hash read here is the latest.
 *
 * @param array<string, mixed> $data    The row wp_insert_user() is about to write.
 * @param bool                 $update  Whether it updates an existing user.
 * @param int|null             $user_id The user updated.
 * @return array<string, mixed>
 */
function harmonyuser_bridge_keep_current_password($data, $update, $user_id) {
    global $wpdb;
    if (!$update || !$user_id || !isset($data['user_pass']) || empty(HarmonyUser_Bridge_Passwords::$unchanged[(int) $user_id])) {
        return $data;
    }
    unset(HarmonyUser_Bridge_Passwords::$unchanged[(int) $user_id]);
    $current = $wpdb->get_var($wpdb->prepare("SELECT user_pass FROM {$wpdb->users} WHERE ID = %d", $user_id));
    if (is_string($current) && $current !== '' && $current !== $data['user_pass']) {
        $data['user_pass'] = $current;
    }
    return $data;
}

/** Registers the write-only REST user field harmonyuser_throwaway_password. */
function harmonyuser_bridge_register_throwaway_field() {
    register_rest_field('user', 'harmonyuser_throwaway_password', array(
        'get_callback' => null,
        'update_callback' => function () {
            return true; // acted on before the insert (rest_pre_insert_user)
        },
        'schema' => array(
            'type' => 'boolean',
            'context' => array('edit'),
            'description' => 'Write-only, creates only: the password sent is a throwaway nobody will use (no password is synced); the bridge stores a random one of its own, hashed at the lowest cost.',
        ),
    ));
}
