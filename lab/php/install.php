<?php
/** Installs WordPress for one lab site unless it is installed. stdin: {"title","adminPassword"}. */
define('WP_INSTALLING', true);
$hus_in = json_decode(stream_get_contents(STDIN), true);
require __DIR__ . '/boot.php';
require_once ABSPATH . 'wp-admin/includes/upgrade.php';

$hus_installed_now = false;
if (!is_blog_installed()) {
    ob_start(); // wp_install may print (e.g. DB errors); keep stdout clean, send it to stderr.
    $hus_r = wp_install($hus_in['title'], 'admin', 'admin@example.test', false, '', wp_slash($hus_in['adminPassword']));
    fwrite(STDERR, ob_get_clean());
    if (!is_blog_installed() || empty($hus_r['user_id'])) {
        hus_fail('wp_install() did not install the site: ' . $GLOBALS['wpdb']->last_error);
    }
    $hus_installed_now = true;
}
hus_result(['installedNow' => $hus_installed_now]);
