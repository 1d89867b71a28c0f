import { Command, Option } from 'commander';
import { findingCheck, type CliIo, type OutputFormat } from './finding-check';
import { labCommand, type LabCommandOptions } from './lab-command';
import type { Lab } from '../lab/server';

/** Waits for SIGINT or SIGTERM: how a foreground server is stopped. */
function untilSignal(): Promise<void> {
  return new Promise((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
}

export function buildProgram(io: CliIo, setExitCode: (code: number) => void, untilStopped: (lab: Lab) => Promise<void> = untilSignal): Command {
  const program = new Command('scc-responder')
    .description('Durable, human-approved incident response for Security Command Center container threat findings')
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .exitOverride();

  const finding = program.command('finding').description('work with SCC findings');
  finding
    .command('check')
    .description('parse and validate findings (notification, listFindings object or console JSON) and print them normalized')
    .argument('<files...>', 'finding files, or - for standard input')
    .addOption(new Option('--format <format>', 'output format').choices(['json', 'text']).default('json'))
    .action(async (files: string[], options: { format: OutputFormat }) => {
      setExitCode(await findingCheck(files, options.format, io));
    });

  program
    .command('lab')
    .description('serve the local lab: SCC, Logging, GKE, Kubernetes, Cloud Run and VirusTotal APIs on loopback, from a scenario')
    .option('--port <port>', 'port to listen on (0 picks a free one)', '8787')
    .option('--scenario <file>', 'scenario file (default: the bundled default scenario)')
    .option('--data-dir <dir>', 'where to write the kubeconfig')
    .action(async (options: LabCommandOptions) => {
      setExitCode(await labCommand(options, io, untilStopped));
    });

  return program;
}
