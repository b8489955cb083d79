<?php
/**
 * Creates n real users with wp_insert_user (all hooks run), in one transaction for speed; on 6.8 with cheap bcrypt.
 * stdin: {"prefix","n","start","role","meta":{key: value, "{i}" in string values is replaced by the number},"password"}
 */
$hus_in = json_decode(stream_get_contents(STDIN), true);
require __DIR__ . '/boot.php';

global $wpdb;
// WordPress 6.8 hashes passwords with bcrypt at cost 10 (about 50 ms each here: 500 users took 41 s); test users
// need a valid hash, not a strong one. Cost 4 (the minimum) is about 1 ms, like 6.1's phpass. Earlier releases
// have no such filter and hash with phpass.
add_filter('wp_hash_password_options', function ($options) {
    return array_merge((array) $options, array('cost' => 4));
});
// Core's user-count bookkeeping updates one option row per user: do it once at the end instead (it would also make
// parallel seeding processes wait on that row's lock). Plugin hooks on user_register still run for every user.
$hus_counts = has_action('user_register', 'wp_maybe_update_user_counts');
remove_action('user_register', 'wp_maybe_update_user_counts', $hus_counts === false ? 10 : $hus_counts);
$hus_ids = [];
$wpdb->query('START TRANSACTION');
for ($i = $hus_in['start']; $i < $hus_in['start'] + $hus_in['n']; $i++) {
    $login = $hus_in['prefix'] . $i;
    $meta = [];
    foreach ($hus_in['meta'] as $k => $v) $meta[$k] = is_string($v) ? str_replace('{i}', (string) $i, $v) : $v;
    $id = wp_insert_user([
        'user_login' => $login,
        'user_pass' => $hus_in['password'],
        'user_email' => $login . '@example.test',
        'first_name' => ucfirst($hus_in['prefix']),
        'last_name' => 'User ' . $i,
        'display_name' => ucfirst($hus_in['prefix']) . ' User ' . $i,
        'role' => $hus_in['role'],
        'meta_input' => $meta,
    ]);
    if (is_wp_error($id)) {
        $wpdb->query('ROLLBACK');
        hus_fail("wp_insert_user($login): " . $id->get_error_code() . ': ' . $id->get_error_message());
    }
    $hus_ids[] = $id;
}
$wpdb->query('COMMIT');
if ($hus_counts !== false) wp_maybe_update_user_counts();
hus_result(['ids' => $hus_ids]);
