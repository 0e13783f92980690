#!/usr/bin/env node
import { reportCliError, runDevnetCli } from './cli/run-cli.js'

runDevnetCli(process.argv.slice(2)).catch(reportCliError)
