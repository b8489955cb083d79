<?php
/**
 * Brings an installed lab site to its known state: permalinks, admin/editor passwords, one "hus-lab" application
 * password per account (kept when the given one still matches, recreated otherwise).
 * stdin: {"adminPassword","editorPassword","appPasswords":{"admin":?,"editor":?}}
 */
$hus_in = json_decode(stream_get_contents(STDIN), true);
require __DIR__ . '/boot.php';

if (get_option('permalink_structure') !== '/%postname%/') {
    global $wp_rewrite;
    $wp_rewrite->set_permalink_structure('/%postname%/');
    flush_rewrite_rules(false);
}
update_option('blog_public', '0');

/**
 * Whether a stored application password is this one. WordPress 6.8 stores them as fast `$generic$` hashes that only
 * WP_Application_Passwords::check_password() verifies (wp_check_password() says no: every `up` would rotate them);
 * 6.1 to 6.7 store phpass hashes for wp_check_password().
 */
function hus_app_password_matches($app_password, $hash, $user_id)
{
    if (method_exists('WP_Application_Passwords', 'check_password')) {
        return WP_Application_Passwords::check_password($app_password, $hash);
    }
    return wp_check_password($app_password, $hash, $user_id);
}

function hus_account($login, $password, $role, $app_password)
{
    $user = get_user_by('login', $login);
    if (!$user) {
        $id = wp_insert_user([
            'user_login' => $login,
            'user_pass' => $password,
            'user_email' => $login . '@example.test',
            'first_name' => ucfirst($login),
            'last_name' => 'Lab',
            'role' => $role,
        ]);
        if (is_wp_error($id)) hus_fail("creating user $login: " . $id->get_error_message());
        $user = get_user_by('id', $id);
    }
    if (!wp_check_password($password, $user->user_pass, $user->ID)) wp_set_password($password, $user->ID);
    if (!in_array($role, (array) $user->roles, true)) $user->set_role($role);

    $kept = false;
    foreach (WP_Application_Passwords::get_user_application_passwords($user->ID) as $item) {
        if ($item['name'] !== 'hus-lab') continue;
        if (!$kept && $app_password && hus_app_password_matches($app_password, $item['password'], $user->ID)) {
            $kept = true;
            continue;
        }
        WP_Application_Passwords::delete_application_password($user->ID, $item['uuid']);
    }
    if (!$kept) {
        $r = WP_Application_Passwords::create_new_application_password($user->ID, ['name' => 'hus-lab']);
        if (is_wp_error($r)) hus_fail("creating the application password of $login: " . $r->get_error_message());
        $app_password = $r[0];
    }
    return ['id' => $user->ID, 'appPassword' => $app_password, 'appPasswordCreated' => !$kept];
}

$hus_admin = hus_account('admin', $hus_in['adminPassword'], 'administrator', $hus_in['appPasswords']['admin'] ?? null);
if ($hus_admin['id'] !== 1) hus_fail('the admin user is not ID 1 (found ' . $hus_admin['id'] . ')');
$hus_editor = hus_account('editor', $hus_in['editorPassword'], 'editor', $hus_in['appPasswords']['editor'] ?? null);
hus_result(['admin' => $hus_admin, 'editor' => $hus_editor]);
