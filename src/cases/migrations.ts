import type { Database } from './database';

/**
 * The schema, as an ordered list of migrations. Applied once each, in order, under an advisory
 * lock so that workers starting together do not race. Never edit a released migration: add one.
 */
export const migrations: { id: number; name: string; sql: string }[] = [
  {
    id: 1,
    name: 'cases, findings, timeline, evidence, actions, VirusTotal cache',
    sql: `
      create table cases (
        id text primary key,
        workflow_id text not null,
        run_id text not null,
        subject_key text not null,
        runtime text not null,
        project text not null,
        cluster text,
        service text,
        category text not null,
        severity text not null,
        status text not null,
        outcome text,
        dry_run boolean not null default false,
        opened_at timestamptz not null,
        ready_at timestamptz,
        decided_at timestamptz,
        contained_at timestamptz,
        closed_at timestamptz,
        plan jsonb,
        plan_hash text,
        decision jsonb,
        advice text,
        updated_at timestamptz not null default now()
      );
      create index cases_status on cases (status);
      create index cases_workflow on cases (workflow_id);

      create table intake (
        finding_name text primary key,
        raw text not null,
        raw_sha256 text not null,
        finding jsonb not null,
        received_at timestamptz not null default now()
      );

      create table case_findings (
        case_id text not null references cases (id),
        finding_name text not null references intake (finding_name),
        joined_at timestamptz not null,
        primary key (case_id, finding_name)
      );
      create unique index case_findings_once on case_findings (finding_name);

      create table timeline (
        case_id text not null references cases (id),
        event_key text not null,
        at timestamptz not null,
        kind text not null,
        step text,
        outcome text,
        detail jsonb not null default '{}',
        primary key (case_id, event_key)
      );

      create table evidence (
        id text primary key,
        case_id text not null references cases (id),
        kind text not null,
        sha256 text not null,
        size bigint not null,
        source jsonb not null,
        collector text not null,
        collected_at timestamptz not null,
        storage_path text not null,
        finding_sha256 text,
        hash_check text not null
      );
      create index evidence_case on evidence (case_id);

      create table actions (
        case_id text not null references cases (id),
        action_key text not null,
        action text not null,
        target text not null,
        status text not null,
        dry_run boolean not null,
        result jsonb not null default '{}',
        at timestamptz not null,
        primary key (case_id, action_key)
      );

      create table virustotal_cache (
        sha256 text primary key,
        verdict jsonb not null,
        fetched_at timestamptz not null
      );
    `,
  },
  {
    id: 2,
    name: 'tamper-evident audit log',
    sql: `
      create table audit_log (
        case_id text not null references cases (id),
        seq integer not null,
        entry_key text not null,
        entry jsonb not null,
        prev_hash text not null,
        hash text not null,
        primary key (case_id, seq)
      );
      create unique index audit_log_once on audit_log (case_id, entry_key);
    `,
  },
  {
    id: 3,
    name: 'intake disposition (out of scope)',
    sql: `
      alter table intake add column disposition text;
    `,
  },
  {
    id: 4,
    name: 'evidence parent artifact (chain of custody)',
    sql: `
      alter table evidence add column parent_sha256 text;
    `,
  },
  {
    id: 5,
    name: 'intake bookkeeping: dead letters, poller cursors',
    sql: `
      create table dead_letters (
        id text primary key,
        source text not null,
        message_id text not null,
        received_at timestamptz not null,
        reason text not null,
        raw bytea not null,
        raw_sha256 text not null,
        attributes jsonb not null default '{}'
      );
      create index dead_letters_received on dead_letters (received_at);
      create table poller_cursors (
        source text primary key,
        event_time text not null,
        updated_at timestamptz not null default now()
      );
    `,
  },
  {
    id: 6,
    name: 'the console lists cases newest first',
    sql: `
      create index cases_opened on cases (opened_at desc, id);
    `,
  },
  {
    id: 7,
    name: 'intake remembers the run a finding was signalled to',
    sql: `
      alter table intake add column signalled_workflow_id text, add column signalled_run_id text;
    `,
  },
  {
    id: 8,
    name: 'console sessions, so that signing out ends one',
    sql: `
      create table console_sessions (
        id_sha256 text primary key,
        email text not null,
        created_at timestamptz not null,
        expires_at timestamptz not null
      );
      create index console_sessions_expiry on console_sessions (expires_at);
    `,
  },
  {
    id: 9,
    name: 'cases opened since signed decisions are marked so by the database, not by the writer',
    // Rows already there keep the rule they were decided under; every row inserted from now on
    // takes the default, which no insert names, so no writer can open a case exempt from it.
    sql: `
      alter table cases add column decisions_signed boolean not null default false;
      alter table cases alter column decisions_signed set default true;
    `,
  },
  {
    id: 10,
    name: 'the Slack messages that carry a case\'s decision buttons, so that any decision can close them',
    sql: `
      create table slack_messages (
        channel text not null,
        ts text not null,
        case_id text not null,
        plan_hash text not null,
        posted_at timestamptz not null,
        closed_at timestamptz,
        primary key (channel, ts)
      );
      create index slack_messages_case on slack_messages (case_id);
    `,
  },
  {
    id: 11,
    name: 'every change to a case moves its change mark, so that the console can follow cases without asking each one',
    // The database moves the mark, not the writers: a write that forgets cannot leave a page stale.
    // Everything a reader sees of a case is either its row or an audit entry, or a finding joining.
    sql: `
      create sequence case_change_seq;
      alter table cases add column change_seq bigint not null default nextval('case_change_seq');
      create index cases_change on cases (change_seq);
      create function case_changed_row() returns trigger language plpgsql as $$
      begin
        new.change_seq := nextval('case_change_seq');
        return new;
      end $$;
      create trigger cases_change_mark before update on cases for each row execute function case_changed_row();
      create function case_changed_by() returns trigger language plpgsql as $$
      begin
        update cases set change_seq = change_seq where id = new.case_id;
        return null;
      end $$;
      create trigger audit_change_mark after insert on audit_log for each row execute function case_changed_by();
      create trigger finding_change_mark after insert on case_findings for each row execute function case_changed_by();
    `,
  },
  {
    id: 12,
    name: 'VirusTotal quota and one lookup per key across every worker that shares the store',
    // Every worker process counts against one API key's quota: the requests of the last minute
    // and who is looking a key up live here, not in one process's memory.
    sql: `
      create table virustotal_requests (
        id bigserial primary key,
        at timestamptz not null
      );
      create index virustotal_requests_at on virustotal_requests (at);
      create table virustotal_leases (
        key text primary key,
        holder text not null,
        until timestamptz not null
      );
    `,
  },
  {
    id: 13,
    name: 'Campaigns: the cases of one incident across pods, by the script, binary or image they share',
    sql: `
      create table campaigns (
        id text primary key,
        key text not null,
        kind text not null,
        indicator text not null,
        category text,
        first_case_at timestamptz not null,
        last_case_at timestamptz not null
      );
      create index campaigns_key on campaigns (key, last_case_at desc);
      create table campaign_cases (
        campaign_id text not null references campaigns (id),
        case_id text not null,
        finding_name text not null,
        joined_at timestamptz not null,
        project text not null,
        runtime text not null,
        cluster text,
        namespace text,
        pod text,
        service text,
        revision text,
        image text,
        primary key (campaign_id, case_id)
      );
      create index campaign_cases_case on campaign_cases (case_id);
    `,
  },
  {
    id: 14,
    name: 'Campaign members numbered in the order they joined, and whether each collected evidence or was sampled',
    sql: `
      alter table campaign_cases add column ordinal integer;
      alter table campaign_cases add column evidence text;
      update campaign_cases m set ordinal = n.ordinal
        from (select campaign_id, case_id, row_number() over (partition by campaign_id order by joined_at, case_id) as ordinal from campaign_cases) n
       where n.campaign_id = m.campaign_id and n.case_id = m.case_id;
      create unique index campaign_cases_ordinal on campaign_cases (campaign_id, ordinal);
    `,
  },
  {
    id: 15,
    name: "Campaign decisions: one approver's decision on a campaign's plan, and what each of its cases answered",
    sql: `
      create table campaign_decisions (
        id bigserial primary key,
        campaign_id text not null references campaigns (id),
        plan_hash text not null,
        decision text not null,
        approver text not null,
        via text not null,
        reason text,
        at timestamptz not null,
        cases jsonb not null
      );
      create index campaign_decisions_campaign on campaign_decisions (campaign_id, at);
    `,
  },
  {
    id: 16,
    name: "Campaign notices: which case holds a campaign's turn to tell a route of it, and when the last notice went out",
    sql: `
      create table campaign_notices (
        campaign_id text not null references campaigns (id),
        event text not null,
        route text not null,
        holder text not null,
        claimed_at timestamptz not null,
        delivered_at timestamptz,
        cases integer not null,
        open integer not null,
        primary key (campaign_id, event, route)
      );
    `,
  },
];

export async function migrate(db: Database): Promise<number[]> {
  return db.transaction(async (tx) => {
    await tx.query('select pg_advisory_xact_lock(3141592653)');
    await tx.query('create table if not exists schema_migrations (id integer primary key, name text not null, applied_at timestamptz not null default now())');
    const applied = new Set((await tx.query<{ id: number }>('select id from schema_migrations')).map((row) => row.id));
    const ran: number[] = [];
    for (const migration of migrations) {
      if (applied.has(migration.id)) continue;
      await tx.exec(migration.sql);
      await tx.query('insert into schema_migrations (id, name) values ($1, $2)', [migration.id, migration.name]);
      ran.push(migration.id);
    }
    return ran;
  });
}
