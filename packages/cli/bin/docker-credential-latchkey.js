#!/usr/bin/env node
import { helperMain } from '../dist/credential-helper.js';

helperMain(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
