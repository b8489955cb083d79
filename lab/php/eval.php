<?php
/** Runs the PHP code given on stdin (no opening tag needed) with WordPress loaded for one lab site. */
$hus_code = stream_get_contents(STDIN);
require __DIR__ . '/boot.php';
eval(preg_replace('/^\s*<\?php\b/', '', $hus_code));
