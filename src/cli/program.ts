import { Command, Option } from 'commander';
import { findingCheck, type CliIo, type OutputFormat } from './finding-check';

export function buildProgram(io: CliIo, setExitCode: (code: number) => void): Command {
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

  return program;
}
