<?php
/**
 * Loads WordPress for one lab site from the PHP CLI (include at file scope so WordPress's globals are global).
 * Env (set by lab.js): HUS_LAB_CONFIG (Debian config name, e.g. hus-p8681), HUS_LAB_URL, HUS_WP_ROOT.
 */
$hus_config = getenv('HUS_LAB_CONFIG');
$hus_url = getenv('HUS_LAB_URL');
if (!$hus_config || !$hus_url) {
    fwrite(STDERR, "boot.php: HUS_LAB_CONFIG and HUS_LAB_URL must be set\n");
    exit(2);
}
$hus_u = parse_url($hus_url);
$_SERVER['WORDPRESS_CONFIG'] = $hus_config;
$_SERVER['HTTP_HOST'] = $hus_u['host'] . (isset($hus_u['port']) ? ':' . $hus_u['port'] : '');
$_SERVER['SERVER_NAME'] = $hus_u['host'];
$_SERVER['SERVER_PORT'] = (string) ($hus_u['port'] ?? 80);
$_SERVER['REQUEST_URI'] = '/';
$_SERVER['REQUEST_METHOD'] = 'GET';
$_SERVER['REMOTE_ADDR'] = '127.0.0.1';
$_SERVER['SERVER_PROTOCOL'] = 'HTTP/1.1';
// From the CLI a fatal error should be a plain PHP error on stderr, not WordPress's HTML "critical error" page.
if (!defined('WP_DISABLE_FATAL_ERROR_HANDLER')) define('WP_DISABLE_FATAL_ERROR_HANDLER', true);
require (getenv('HUS_WP_ROOT') ?: '/usr/share/wordpress') . '/wp-load.php';

/** Prints the machine-readable result line lab.js looks for. */
function hus_result($data)
{
    echo "\nHUS_JSON:" . json_encode($data) . "\n";
}

function hus_fail($message)
{
    fwrite(STDERR, $message . "\n");
    exit(1);
}
