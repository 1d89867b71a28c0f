#!/usr/bin/env node
'use strict';
// The compiled CLI; `npm run build` (or `npm run dev`) produces dist/.
require('../dist/cli/main.js').runFromProcess();
