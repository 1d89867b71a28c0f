/**
 * The MITRE ATT&CK techniques the four playbooks point to, summarized for responders, with the
 * mitigations that apply to containers. Identifiers and names are ATT&CK's; the text is ours.
 */
export interface TechniqueNote {
  id: string;
  name: string;
  tactic: string;
  /** SCC's MitreAttack enum names that mean this technique. */
  sccNames: string[];
  meaning: string;
  lookFor: string[];
  mitigations: { id: string; name: string; how: string }[];
}

export const techniques: TechniqueNote[] = [
  {
    id: 'T1027.004',
    name: 'Obfuscated Files or Information: Compile After Delivery',
    tactic: 'Defense Evasion',
    sccNames: ['COMPILE_AFTER_DELIVERY', 'OBFUSCATED_FILES_OR_INFO'],
    meaning:
      'Source code is brought in and compiled on the target, so that no finished malicious binary crosses the defences that inspect binaries.',
    lookFor: ['source files written shortly before the compiler ran', 'the compiler output being executed', 'compilers present in an image that does not need them'],
    mitigations: [
      { id: 'M1045', name: 'Code Signing', how: 'admit only signed images (Binary Authorization), so an image rebuilt with a compiler in it does not deploy unnoticed' },
      { id: 'M1038', name: 'Execution Prevention', how: 'keep compilers out of runtime images; use distroless or minimal images' },
    ],
  },
  {
    id: 'T1059.004',
    name: 'Command and Scripting Interpreter: Unix Shell',
    tactic: 'Execution',
    sccNames: ['UNIX_SHELL', 'COMMAND_AND_SCRIPTING_INTERPRETER'],
    meaning: 'A shell runs attacker commands: interactively through a reverse shell, or as scripts fetched and piped into it.',
    lookFor: ['shells whose input or output is a network socket', 'curl or wget piped into sh', 'shells started by a service process that never starts them'],
    mitigations: [
      { id: 'M1038', name: 'Execution Prevention', how: 'remove shells from runtime images where the service does not need one' },
      { id: 'M1042', name: 'Disable or Remove Feature or Program', how: 'drop netcat and similar tools from images' },
      { id: 'M1037', name: 'Filter Network Traffic', how: 'restrict egress with NetworkPolicy so a reverse shell cannot connect out' },
    ],
  },
  {
    id: 'T1105',
    name: 'Ingress Tool Transfer',
    tactic: 'Command and Control',
    sccNames: ['INGRESS_TOOL_TRANSFER'],
    meaning: 'Tools are copied into the environment from outside after the initial foothold: downloaded binaries, scripts, miners.',
    lookFor: ['files that are not in the image under /tmp or /dev/shm', 'outbound downloads from the container', 'newly executable files'],
    mitigations: [
      { id: 'M1037', name: 'Filter Network Traffic', how: 'deny egress by default and allow only what the workload needs' },
      { id: 'M1031', name: 'Network Intrusion Prevention', how: 'inspect downloads at the egress proxy' },
      { id: 'M1022', name: 'Restrict File and Directory Permissions', how: 'run with a read-only root filesystem so nothing can be written and run' },
    ],
  },
  {
    id: 'T1106',
    name: 'Native API',
    tactic: 'Execution',
    sccNames: ['NATIVE_API'],
    meaning: 'A program calls the operating system directly to run code, bypassing interpreters and the logging around them.',
    lookFor: ['processes without a parent shell', 'binaries that are not in the image', 'unusual system call patterns'],
    mitigations: [
      { id: 'M1040', name: 'Behavior Prevention on Endpoint', how: 'restrict system calls with seccomp profiles' },
      { id: 'M1038', name: 'Execution Prevention', how: 'a read-only root filesystem keeps added binaries from being written' },
    ],
  },
];

export function techniquesFor(ids: string[], sccNames: string[] = []): TechniqueNote[] {
  const wanted = new Set(ids);
  const names = new Set(sccNames);
  return techniques.filter((t) => wanted.has(t.id) || t.sccNames.some((name) => names.has(name)));
}
