<?php
/** Activates or deactivates a normal plugin by its directory (or file) slug. stdin: {"action","slug"} */
$hus_in = json_decode(stream_get_contents(STDIN), true);
require __DIR__ . '/boot.php';
require_once ABSPATH . 'wp-admin/includes/plugin.php';

$hus_slug = $hus_in['slug'];
$hus_files = array_values(array_filter(array_keys(get_plugins()), function ($f) use ($hus_slug) {
    return strpos($f, $hus_slug . '/') === 0 || $f === $hus_slug . '.php';
}));
if ($hus_in['action'] === 'deactivate') {
    deactivate_plugins($hus_files);
    hus_result(['deactivated' => $hus_files]);
    exit(0);
}
if (!$hus_files) hus_fail("no plugin with a header found in plugins/$hus_slug");
$hus_file = in_array("$hus_slug/$hus_slug.php", $hus_files, true) ? "$hus_slug/$hus_slug.php" : $hus_files[0];
if (count($hus_files) > 1 && $hus_file !== "$hus_slug/$hus_slug.php") {
    hus_fail("several plugin files in plugins/$hus_slug (" . implode(', ', $hus_files) . "); name the main one $hus_slug.php");
}
$hus_r = activate_plugin($hus_file);
if (is_wp_error($hus_r)) {
    $data = $hus_r->get_error_data();
    hus_fail("activate_plugin($hus_file): " . $hus_r->get_error_message() . (is_string($data) ? "\n" . $data : ''));
}
hus_result(['activated' => $hus_file]);
