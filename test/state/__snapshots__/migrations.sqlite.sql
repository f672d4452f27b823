-- 1 state
      CREATE TABLE flows (
        id          INTEGER PRIMARY KEY,
        key         TEXT NOT NULL UNIQUE,      -- flowKey(): '<absolute file>#<flow>' or 'agent:<name>'
        name        TEXT NOT NULL,
        file        TEXT,                      -- absolute path of the .flow file; NULL for agent names
        created_at  TEXT NOT NULL
      );

      CREATE TABLE runs (
        id             INTEGER PRIMARY KEY,
        flow_id        INTEGER NOT NULL REFERENCES flows(id),
        trigger        TEXT NOT NULL CHECK (trigger IN ('cli', 'agent')),
        status         TEXT NOT NULL CHECK (status IN ('running', 'succeeded', 'failed', 'skipped', 'interrupted')),
        file           TEXT,
        started_at     TEXT NOT NULL,          -- ISO 8601 UTC with milliseconds, sorts as text
        finished_at    TEXT,
        updated_at     TEXT NOT NULL,          -- last sign of life: start, each commit, finish
        read_count     INTEGER NOT NULL DEFAULT 0,
        written_count  INTEGER NOT NULL DEFAULT 0,
        rejected_count INTEGER NOT NULL DEFAULT 0,
        error          TEXT,                   -- JSON {code?, message}, token-scrubbed
        watermarks     TEXT,                   -- JSON {source: value} as committed when the run ended
        pid            INTEGER,
        host           TEXT,
        owner          TEXT                    -- random per process: tells a reused PID from the run's own
      );
      CREATE INDEX runs_by_flow ON runs(flow_id, id);
      CREATE INDEX runs_running ON runs(status) WHERE status = 'running';

      CREATE TABLE watermarks (
        flow_id     INTEGER NOT NULL REFERENCES flows(id),
        source      TEXT NOT NULL,
        value       TEXT NOT NULL,             -- normalised cursor: see cursor.ts
        kind        TEXT NOT NULL CHECK (kind IN ('time', 'number', 'text', 'custom')),
        run_id      INTEGER REFERENCES runs(id),
        updated_at  TEXT NOT NULL,
        PRIMARY KEY (flow_id, source)
      );

      -- The ids already written at exactly the watermark: the next run asks for cursor >= value
      -- (timestamps have one-second resolution) and drops these.
      CREATE TABLE boundary_ids (
        flow_id    INTEGER NOT NULL,
        source     TEXT NOT NULL,
        record_id  TEXT NOT NULL,
        PRIMARY KEY (flow_id, source, record_id),
        FOREIGN KEY (flow_id, source) REFERENCES watermarks(flow_id, source) ON DELETE CASCADE
      ) WITHOUT ROWID;

      CREATE TABLE rejected (
        id           INTEGER PRIMARY KEY,
        flow_id      INTEGER NOT NULL REFERENCES flows(id),
        run_id       INTEGER REFERENCES runs(id),
        destination  TEXT NOT NULL,
        record_id    TEXT,
        record       TEXT NOT NULL,            -- JSON of the record as the destination received it
        reason       TEXT NOT NULL,            -- token-scrubbed
        code         TEXT,
        created_at   TEXT NOT NULL
      );
      CREATE INDEX rejected_by_flow ON rejected(flow_id, id);
      CREATE INDEX rejected_by_run ON rejected(run_id);

-- 2 deployments
      CREATE TABLE deployments (
        id          INTEGER PRIMARY KEY,
        name        TEXT NOT NULL UNIQUE,      -- the deployment's name; its state key is 'agent:<name>'
        version     INTEGER NOT NULL,          -- 1, 2, ...: incremented by each deploy
        flow        TEXT NOT NULL,             -- the flow's name inside the text
        file_name   TEXT NOT NULL,             -- base name of the deployed file (names a bare pipeline)
        file_path   TEXT,                      -- absolute path it was deployed from, for people
        base_dir    TEXT NOT NULL,             -- relative paths in the flow resolve here (the deployer's folder)
        text        TEXT NOT NULL,             -- the whole file as deployed
        schedule    TEXT,                      -- JSON {kind:'every', ms, text} or {kind:'cron', expression, text}; NULL: run on demand only
        vars        TEXT NOT NULL DEFAULT '{}',-- JSON {name: value} for ~{name}~ templates
        enabled     INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
        created_at  TEXT NOT NULL,
        updated_at  TEXT NOT NULL
      );

      -- Every text ever deployed, so that a run can be traced to the exact flow it ran.
      CREATE TABLE deployment_versions (
        deployment_id INTEGER NOT NULL REFERENCES deployments(id),
        version       INTEGER NOT NULL,
        flow          TEXT NOT NULL,
        file_path     TEXT,
        text          TEXT NOT NULL,
        schedule      TEXT,
        created_at    TEXT NOT NULL,
        PRIMARY KEY (deployment_id, version)
      );

      -- Which version of its deployment an agent run ran (NULL for CLI runs).
      ALTER TABLE runs ADD COLUMN deployment_version INTEGER;

-- 3 flow-identity-and-replay
      ALTER TABLE deployments ADD COLUMN state_key TEXT;
      UPDATE deployments SET state_key = 'flow:' || flow;

      -- The source record a rejected record came from, so that `sluice replay` can send it
      -- through the flow again once the author fixed it (NULL: only the refused record is known).
      ALTER TABLE rejected ADD COLUMN source_record TEXT;

-- 4 deployment-bounds-notify-pause-details
      ALTER TABLE deployments ADD COLUMN allow_paths TEXT NOT NULL DEFAULT '[]';
      ALTER TABLE deployments ADD COLUMN notify_url TEXT;
      ALTER TABLE deployments ADD COLUMN notify_streak INTEGER;
      ALTER TABLE deployments ADD COLUMN paused INTEGER NOT NULL DEFAULT 0;
      CREATE TABLE run_details (
        run_id  INTEGER PRIMARY KEY REFERENCES runs(id) ON DELETE CASCADE,
        details TEXT NOT NULL
      );

-- 5 webhook-events
      CREATE TABLE webhooks (
        deployment       TEXT PRIMARY KEY,
        connection       TEXT NOT NULL,
        base_url         TEXT NOT NULL,
        remote_id        TEXT NOT NULL,
        event            TEXT NOT NULL,
        auth_user        TEXT NOT NULL,
        password_sha256  TEXT NOT NULL,
        created_at       TEXT NOT NULL,
        reconciled_until TEXT
      );
      CREATE TABLE webhook_events (
        id          INTEGER PRIMARY KEY,
        deployment  TEXT NOT NULL,
        event_id    TEXT NOT NULL,
        change_key  TEXT NOT NULL,
        entity      TEXT NOT NULL,
        entity_id   TEXT NOT NULL,
        action      TEXT NOT NULL,
        occurred_at TEXT NOT NULL,
        origin      TEXT NOT NULL CHECK (origin IN ('webhook', 'reconcile')),
        payload     TEXT NOT NULL,
        status      TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sending', 'done')),
        attempts    INTEGER NOT NULL DEFAULT 0,
        received_at TEXT NOT NULL,
        done_at     TEXT,
        UNIQUE (deployment, event_id),
        UNIQUE (deployment, change_key)
      );
      CREATE INDEX webhook_events_open ON webhook_events (deployment, status, occurred_at, id);

-- 6 rejected-source-fields
      ALTER TABLE rejected ADD COLUMN source_fields TEXT;
