import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { findingCheck, type CliIo, type OutputFormat } from './finding-check';
import { labCommand, type LabCommandOptions } from './lab-command';
import type { Lab } from '../lab/server';
import { CliContext } from './cli-context';
import { decideCommand, ingestCommand, listCommand, showCommand, statusCommand, verifyCommand } from './case-commands';
import { CommandError } from './command-error';
import { revertCommand } from './revert-command';
import type { CallerOptions } from './console-caller';
import { repairCommand } from './repair-command';
import { deadLetterShowCommand, deadLettersListCommand, pollIntakeCommand, pubsubIntakeCommand, pushIntakeCommand } from './intake-commands';
import { ConfigError } from '../config/config';
import { runWorker } from '../worker/main';
import { writeWorkflowBundle } from '../worker/bundle';
import { actionPermissions, adapterPermissions, permissionsMarkdown } from '../deploy/permissions';
import { formatOption, print, type Format } from './output';
import { campaignDecideCommand, campaignListCommand, campaignShowCommand } from './campaign-commands';
import { upCommand, type UpOptions } from './up-command';
import { consolePasswordCommand, serverCommand } from './server-command';

/** From the package.json beside src/ (or dist/), so a build reports the version it was built from. */
function packageVersion(): string {
  return (JSON.parse(readFileSync(join(__dirname, '../../package.json'), 'utf8')) as { version: string }).version;
}

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
    .version(packageVersion(), '--version', 'the version of scc-responder')
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .exitOverride();

  const finding = program.command('finding').description('work with SCC findings');
  finding
    .command('check')
    .description('parse and validate findings (notification, listFindings object or console JSON) and print them normalized')
    .argument('<files...>', 'finding files, or - for standard input')
    .addOption(formatOption(['json', 'text'], 'json'))
    .action(async (files: string[], options: { format: OutputFormat }) => {
      setExitCode(await findingCheck(files, options.format, io));
    });

  /** Case commands share a context (config, store, Temporal), close it, and map errors to one line. */
  const withContext = (run: (context: CliContext) => Promise<void>) => async () => {
    const context = new CliContext();
    try {
      await run(context);
      setExitCode(0);
    } catch (error) {
      if (error instanceof CommandError || error instanceof ConfigError) {
        io.stderr(`error: ${error.message}\n`);
        setExitCode(error instanceof CommandError ? error.exitCode : 2);
      } else {
        io.stderr(`error: ${error instanceof Error ? error.message : String(error)}\n`);
        setExitCode(1);
      }
    } finally {
      await context.close().catch(() => undefined);
    }
  };

  program
    .command('ingest')
    .description('start (or join) the case for each finding; prints each case ID and workflow ID')
    .argument('<files...>', 'finding files, or - for standard input')
    .option('--lines', 'each line of the input is one finding (JSON lines, as an export writes them)')
    .addOption(formatOption())
    .action((files: string[], options: { lines?: boolean; format: Format }) => withContext((context) => ingestCommand(context, files, options, io))());
  program
    .command('status')
    .description('the live status of a case: steps, gaps, plan, pending decision')
    .argument('<case>')
    .addOption(formatOption())
    .action((caseId: string, options: { format: Format }) => withContext((context) => statusCommand(context, caseId, io, options.format))());

  /** A decision goes through the console, which authenticates the caller: the options that say how. */
  const throughConsole = (command: Command) =>
    command
      .option('--user <email>', "in the lab: decide as this lab user (password from SCC_CONSOLE_PASSWORD or the lab's file); elsewhere your Google identity is used")
      .option('--console <url>', 'the console that vouches for the decision (default: SCC_CONSOLE_URL, notifications.consoleUrl or server.address)')
      .option('--audience <id>', 'the audience of your ID token (the OAuth client of IAP or of the provider)');
  const decisionCommand = (name: string, description: string) => throughConsole(program.command(name).description(description).argument('<case>')).addOption(formatOption());
  type Decided = CallerOptions & { reason?: string; falsePositive?: boolean; format: Format };
  decisionCommand('approve', "approve a case's current plan")
    .option('--reason <text>', 'why')
    .action((caseId: string, options: Decided) => withContext((context) => decideCommand(context, caseId, 'approve', options, io))());
  decisionCommand('reject', "reject a case's plan: nothing will be changed")
    .requiredOption('--reason <text>', 'why')
    .option('--false-positive', 'the finding was a false positive: mute it in SCC')
    .action((caseId: string, options: Decided) => withContext((context) => decideCommand(context, caseId, 'reject', options, io))());
  decisionCommand('close', 'close a case whose plan contains nothing (the subject is gone or out of reach), with a reason')
    .requiredOption('--reason <text>', 'why')
    .action((caseId: string, options: Decided) => withContext((context) => decideCommand(context, caseId, 'close', options, io))());
  decisionCommand('watch', 'keep a case whose plan contains nothing open: a finding that joins makes a new plan')
    .option('--reason <text>', 'why')
    .action((caseId: string, options: Decided) => withContext((context) => decideCommand(context, caseId, 'watch', options, io))());
  decisionCommand('revert', "undo a closed case's containment (the actions that can be undone), newest first")
    .requiredOption('--reason <text>', 'why')
    .option('--dry-run', 'say exactly what would be undone, change nothing')
    .action((caseId: string, options: Decided & { reason: string; dryRun?: boolean }) => withContext((context) => revertCommand(context, caseId, options, io))());
  program
    .command('cases')
    .description('cases')
    .command('list')
    .description('list cases, newest first')
    .option('--status <status>', 'only cases with this status')
    .addOption(formatOption())
    .action((options: { status?: string; format: 'text' | 'json' }) => withContext((context) => listCommand(context, options, io))());
  const campaigns = program.command('campaigns').description('campaigns: cases whose findings share a script, a binary or an image');
  campaigns
    .command('list')
    .description('campaigns of two cases or more, most recently active first')
    .addOption(formatOption())
    .action((options: { format: Format }) => withContext((context) => campaignListCommand(context, options, io))());
  const campaign = program.command('campaign').description('one campaign');
  campaign
    .command('show')
    .description('its cases, and the pods, workloads, clusters and projects they run in')
    .argument('<campaign>')
    .addOption(formatOption())
    .action((campaignId: string, options: { format: Format }) => withContext((context) => campaignShowCommand(context, campaignId, options, io))());
  const campaignDecision = (name: 'approve' | 'reject', description: string) =>
    throughConsole(campaign.command(name).description(description).argument('<campaign>'))
      .option('--plan <hash>', "the campaign plan hash you reviewed (campaign show): refused if the plan has changed since")
      .addOption(formatOption());
  type CampaignDecided = CallerOptions & { reason?: string; plan?: string; format: Format };
  campaignDecision('approve', "approve the campaign's plan: each of its waiting cases gets the approval on its own plan")
    .option('--reason <text>', 'why')
    .action((campaignId: string, options: CampaignDecided) => withContext((context) => campaignDecideCommand(context, campaignId, 'approve', options, io))());
  campaignDecision('reject', "reject the campaign's plan: nothing will be changed in any of its waiting cases")
    .requiredOption('--reason <text>', 'why')
    .action((campaignId: string, options: CampaignDecided) => withContext((context) => campaignDecideCommand(context, campaignId, 'reject', options, io))());
  const caseCommand = program.command('case').description('one case');
  caseCommand
    .command('verify')
    .description("check the case's tamper-evident audit chain; names the first broken entry")
    .argument('<case>')
    .addOption(formatOption())
    .action((caseId: string, options: { format: Format }) => withContext((context) => verifyCommand(context, caseId, io, options.format))());
  caseCommand
    .command('show')
    .description('the case record, as JSON (with the raw findings) or Markdown')
    .argument('<case>')
    .addOption(formatOption(['json', 'md'], 'json'))
    .action((caseId: string, options: { format: 'json' | 'md' }) => withContext((context) => showCommand(context, caseId, options.format, io))());
  caseCommand
    .command('repair')
    .description('a case whose history no longer replays (TMPRL1100): reset it to the last workflow task that does, and it runs on from there')
    .argument('<case>')
    .option('--operator <name>', 'who repairs, as they say: kept as given, not verified (a repair needs Temporal access, not an approval)')
    .option('--dry-run', 'say where it would be reset, change nothing')
    .addOption(formatOption())
    .action((caseId: string, options: { operator?: string; dryRun?: boolean; format: Format }) => withContext((context) => repairCommand(context, caseId, options, io))());
  const intake = program.command('intake').description('receive findings as SCC delivers them');
  intake
    .command('pubsub')
    .description('pull findings from the subscription of an SCC NotificationConfig topic until stopped; one JSON line per message')
    .requiredOption('--subscription <name>', 'projects/PROJECT/subscriptions/NAME')
    .option('--emulator <host:port>', 'a Pub/Sub emulator (default: $PUBSUB_EMULATOR_HOST, else the real service)')
    .option('--max-in-flight <n>', 'messages handled at once', '8')
    .action((options: { subscription: string; emulator?: string; maxInFlight: string }) => withContext((context) => pubsubIntakeCommand(context, options, io, untilSignal))());
  intake
    .command('push')
    .description('serve POST /pubsub/push for a Pub/Sub push subscription until stopped; one JSON line per message')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--port <port>', 'port to listen on', '8080')
    .action((options: { host: string; port: string }) => withContext((context) => pushIntakeCommand(context, options, io, untilSignal))());
  intake
    .command('poll')
    .description("poll SCC's listFindings (ACTIVE, the given categories) from a cursor kept in the case store, until stopped")
    .requiredOption('--parent <parent>', 'organizations/ORG/sources/- (or a folder, a project, one source)')
    .option('--category <name...>', 'categories to ask for (default: all)')
    .option('--interval-seconds <n>', 'seconds between polls', '60')
    .option('--start-from <time>', 'where the first poll starts when no cursor is stored (default: 24 hours ago)')
    .action((options: { parent: string; category?: string[]; intervalSeconds: string; startFrom?: string }) => withContext((context) => pollIntakeCommand(context, options, io, untilSignal))());
  const deadLetters = program.command('dead-letters').description('messages no finding could be read from, kept as received');
  deadLetters
    .command('list')
    .description('the newest dead letters, with why each was refused')
    .addOption(formatOption())
    .option('--limit <n>', 'how many', '100')
    .action((options: { format: 'text' | 'json'; limit: string }) => withContext((context) => deadLettersListCommand(context, options, io))());
  deadLetters
    .command('show')
    .description('the message exactly as received, on standard output')
    .argument('<id>')
    .action((id: string) => withContext((context) => deadLetterShowCommand(context, id, io))());

  program
    .command('worker')
    .description('run a worker: the case workflows and their activities')
    .action(async () => {
      await runWorker();
    });

  program
    .command('server')
    .description('serve the JSON API (OpenAPI at /api/openapi.json) and the web console until stopped (config `server`)')
    .action(() => withContext((context) => serverCommand(context, io, untilSignal))());
  program
    .command('console-password')
    .description("read a password on standard input and print the hash for a lab user's entry in `server.auth.users`")
    .action(() => withContext(() => consolePasswordCommand(io))());

  program
    .command('permissions')
    .description('the IAM permissions and Kubernetes RBAC each adapter and action needs (Markdown, or JSON)')
    .addOption(formatOption(['md', 'json'], 'md'))
    .action((options: { format: 'md' | 'json' }) => {
      print(io, options.format, { adapters: adapterPermissions, actions: actionPermissions() }, () => [permissionsMarkdown()]);
      setExitCode(0);
    });

  program
    .command('bundle')
    .description('write the workflow bundle a worker can start from (SCC_WORKFLOW_BUNDLE; with --tracing, SCC_TRACED_WORKFLOW_BUNDLE)')
    .argument('<out>', 'the file to write')
    .option('--tracing', "include the OpenTelemetry workflow interceptors, for workers that export traces")
    .addOption(formatOption())
    .action(async (out: string, options: { tracing?: boolean; format: Format }) => {
      const bytes = await writeWorkflowBundle(out, { tracing: options.tracing ?? false });
      print(io, options.format, { out, bytes }, () => [`${out}: ${bytes} bytes`]);
      setExitCode(0);
    });

  program
    .command('up')
    .description('the embedded stack: Temporal dev server, lab, case store and worker; ingests the sample findings')
    .option('--data-dir <dir>', 'where everything is kept', '.data')
    .option('--temporal-port <port>', 'Temporal frontend port', '7233')
    .option('--lab-port <port>', 'lab port', '8787')
    .option('--database-port <port>', 'case store port for other processes (PostgreSQL protocol)', '5433')
    .option('--console-port <port>', 'the console and API', '8090')
    .action(async (options: UpOptions) => {
      setExitCode(await upCommand(options, io, untilSignal));
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
