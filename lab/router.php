<?php
/**
 * php -S router for one lab site (started by lab/lab.js with -t /usr/share/wordpress).
 * Env: HUS_LAB_CONFIG (Debian config name: /etc/wordpress/config-<name>.php), HUS_LAB_CONTENT_DIR (the site's wp-content).
 * - /wp-content/... is served from the site's own content dir (static files here, PHP executed);
 * - existing core files: static ones by php -S itself, PHP ones executed;
 * - everything else goes to index.php (pretty permalinks, /wp-json/).
 * Runs at file scope on purpose: the required WordPress files expect global scope (hence the $__hus_ prefixes).
 */
$_SERVER['WORDPRESS_CONFIG'] = getenv('HUS_LAB_CONFIG');
$__hus_content = getenv('HUS_LAB_CONTENT_DIR');
$__hus_root = rtrim($_SERVER['DOCUMENT_ROOT'], '/');

// Basic auth (application passwords) must reach WordPress even if the SAPI did not split the header.
if (!isset($_SERVER['PHP_AUTH_USER']) && !empty($_SERVER['HTTP_AUTHORIZATION'])
    && stripos($_SERVER['HTTP_AUTHORIZATION'], 'basic ') === 0) {
    $__hus_pair = explode(':', (string) base64_decode(substr($_SERVER['HTTP_AUTHORIZATION'], 6)), 2);
    if (count($__hus_pair) === 2) {
        $_SERVER['PHP_AUTH_USER'] = $__hus_pair[0];
        $_SERVER['PHP_AUTH_PW'] = $__hus_pair[1];
    }
}

$__hus_path = rawurldecode((string) parse_url($_SERVER['REQUEST_URI'], PHP_URL_PATH));
if ($__hus_path === '' || $__hus_path[0] !== '/' || strpos($__hus_path, '..') !== false || strpos($__hus_path, "\0") !== false) {
    http_response_code(400);
    return;
}
$__hus_in_content = strncmp($__hus_path, '/wp-content/', 12) === 0;
$__hus_file = $__hus_in_content ? $__hus_content . substr($__hus_path, 11) : $__hus_root . $__hus_path;

if (is_dir($__hus_file)) {
    if (substr($__hus_path, -1) !== '/') {
        $__hus_q = parse_url($_SERVER['REQUEST_URI'], PHP_URL_QUERY);
        header('Location: ' . $__hus_path . '/' . ($__hus_q ? '?' . $__hus_q : ''), true, 301);
        return;
    }
    $__hus_file .= 'index.php';
    $__hus_path .= 'index.php';
}

if (is_file($__hus_file)) {
    if (substr($__hus_file, -4) !== '.php') {
        if (!$__hus_in_content) return false; // core static file: php -S serves it
        $__hus_types = [
            'css' => 'text/css', 'js' => 'text/javascript', 'json' => 'application/json', 'svg' => 'image/svg+xml',
            'png' => 'image/png', 'jpg' => 'image/jpeg', 'jpeg' => 'image/jpeg', 'gif' => 'image/gif', 'webp' => 'image/webp',
            'ico' => 'image/x-icon', 'woff' => 'font/woff', 'woff2' => 'font/woff2', 'ttf' => 'font/ttf',
            'txt' => 'text/plain', 'html' => 'text/html', 'xml' => 'application/xml', 'map' => 'application/json',
        ];
        $__hus_ext = strtolower(pathinfo($__hus_file, PATHINFO_EXTENSION));
        header('Content-Type: ' . ($__hus_types[$__hus_ext] ?? 'application/octet-stream'));
        header('Content-Length: ' . filesize($__hus_file));
        readfile($__hus_file);
        return;
    }
    $__hus_script = $__hus_path;
} else {
    $__hus_file = $__hus_root . '/index.php';
    $__hus_script = '/index.php';
}

unset($_SERVER['PATH_INFO'], $_SERVER['ORIG_PATH_INFO'], $_SERVER['PATH_TRANSLATED']);
$_SERVER['SCRIPT_NAME'] = $_SERVER['PHP_SELF'] = $__hus_script;
$_SERVER['SCRIPT_FILENAME'] = $__hus_file;
chdir(dirname($__hus_file));
require $__hus_file;
