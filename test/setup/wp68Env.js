'use strict';
/**
 * jest setup file of the integration-wp68 project: points each test file's lab calls (lab.sites(), …) at that
 * project's lab. jest gives every test file its own copy of process.env, so the integration project's files are
 * not affected.
 */
const { modernLab } = require('../../lab/harness/labs');

Object.assign(process.env, modernLab());
