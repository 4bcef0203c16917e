-- 004: the whole domain of SPEC §2 — geography with dated populations, the
-- programme and its milestones, the registry of community groups (with
-- history), community issues and agency responses, assets, evidence, and the
-- sector and agency instruments beside the resident one.
--
-- Provenance (SPEC §2): every record says which agency and key supplied it,
-- whether that key acted as an evaluator, and when. Records that people edit
-- carry a `version` (the ETag) and keep every earlier version in a history
-- table: nothing is overwritten without a trace.

-- ---------------------------------------------------------------- geography

-- A ward (GSS E05…) or a Lower Super Output Area (E01…, inside a ward).
CREATE TABLE area (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    code          text NOT NULL UNIQUE CHECK (code ~ '^[EWSN][0-9]{8}$'),
    kind          text NOT NULL CHECK (kind IN ('ward', 'lsoa')),
    name          text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    ward_id       uuid REFERENCES area(id),          -- an LSOA's ward, if known
    supplied_by_agency uuid REFERENCES agency(id),
    supplied_by_key    uuid REFERENCES api_key(id),
    supplied_as_evaluator boolean NOT NULL DEFAULT false,
    created_at    timestamptz NOT NULL DEFAULT now(),
    CHECK (kind = 'lsoa' OR ward_id IS NULL)
);

-- Populations are dated: a new mid-year estimate starts a new row, so a
-- figure computed for an earlier date keeps its denominator.
CREATE TABLE area_population (
    area_id       uuid NOT NULL REFERENCES area(id),
    valid_from    date NOT NULL,
    population    integer NOT NULL CHECK (population > 0),
    source        text CHECK (length(source) <= 200),
    supplied_by_agency uuid REFERENCES agency(id),
    supplied_by_key    uuid REFERENCES api_key(id),
    supplied_as_evaluator boolean NOT NULL DEFAULT false,
    created_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (area_id, valid_from)
);

-- A neighbourhood is a named set of areas; its population is derived from
-- them. A neighbourhood without areas keeps its declared population (the
-- skeleton's), which is why the column becomes optional.
CREATE TABLE neighbourhood_area (
    neighbourhood_id uuid NOT NULL REFERENCES neighbourhood(id),
    area_id          uuid NOT NULL REFERENCES area(id),
    PRIMARY KEY (neighbourhood_id, area_id)
);
CREATE INDEX neighbourhood_area_by_area ON neighbourhood_area (area_id);
ALTER TABLE neighbourhood ALTER COLUMN population DROP NOT NULL;

-- ---------------------------------------------------------------- programme

-- A programme over a locality: the four stages of the handbook with their
-- lengths in months (6, 18, 18, 18 by default). Ending it at a break clause
-- (after stage 1, 2 or 3) cancels the later milestones.
CREATE TABLE programme (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name          text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    locality      text NOT NULL CHECK (length(locality) BETWEEN 1 AND 200),
    start_date    date NOT NULL CHECK (extract(day FROM start_date) = 1),
    stage_months  smallint[] NOT NULL DEFAULT '{6,18,18,18}'
        CHECK (cardinality(stage_months) = 4 AND 0 < ALL (stage_months)),
    ended_after_stage smallint CHECK (ended_after_stage BETWEEN 1 AND 3),
    ended_on      date,
    end_reason    text CHECK (length(end_reason) <= 2000),
    version       integer NOT NULL DEFAULT 1,
    supplied_by_agency uuid REFERENCES agency(id),
    supplied_by_key    uuid REFERENCES api_key(id),
    supplied_as_evaluator boolean NOT NULL DEFAULT false,
    created_at    timestamptz NOT NULL DEFAULT now(),
    CHECK ((ended_after_stage IS NULL) = (ended_on IS NULL))
);
ALTER TABLE neighbourhood ADD COLUMN programme_id uuid REFERENCES programme(id);

-- The milestones of appendix 3 (stages 1–3) and appendix 2 part E (stage 4),
-- created with the programme. Overdue is derived (due month passed, neither
-- completed nor cancelled), never stored, so it cannot go stale.
CREATE TABLE milestone (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    programme_id  uuid NOT NULL REFERENCES programme(id),
    code          text NOT NULL,
    stage         smallint NOT NULL CHECK (stage BETWEEN 1 AND 4),
    title         text NOT NULL,
    due_month     smallint NOT NULL CHECK (due_month BETWEEN 1 AND 600),
    completed_on  date,
    evidence_url  text CHECK (evidence_url ~ '^https?://'),
    evidence_note text CHECK (length(evidence_note) <= 4000),
    completed_by_agency uuid REFERENCES agency(id),
    completed_by_key    uuid REFERENCES api_key(id),
    completed_as_evaluator boolean,
    cancelled_on  date,
    version       integer NOT NULL DEFAULT 1,
    UNIQUE (programme_id, code),
    CHECK (completed_on IS NULL OR evidence_url IS NOT NULL OR evidence_note IS NOT NULL)
);

-- ---------------------------------------------------------------- registry

CREATE TABLE organisation (
    id            uuid PRIMARY KEY,
    version       integer NOT NULL DEFAULT 1 CHECK (version >= 1),
    name          text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    kind          text NOT NULL CHECK (kind IN ('community_group', 'overlap', 'voluntary_org')),
    status        text NOT NULL CHECK (status IN ('forming', 'active', 'dormant', 'closed')),
    founded_on    date,
    closed_on     date,
    themes        text[] NOT NULL DEFAULT '{}',
    income_band   text CHECK (income_band IN ('none', 'under_5k', '5k_10k', '10k_100k', 'over_100k')),
    volunteers    integer CHECK (volunteers >= 0),
    fte_staff     numeric(8,2) CHECK (fte_staff >= 0),
    open_to_residents boolean NOT NULL DEFAULT true,
    is_hub        boolean NOT NULL DEFAULT false,
    online_only   boolean NOT NULL DEFAULT false,
    description   text CHECK (length(description) <= 4000),
    supplied_by_agency uuid REFERENCES agency(id),
    supplied_by_key    uuid REFERENCES api_key(id),
    supplied_as_evaluator boolean NOT NULL DEFAULT false,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    CHECK (closed_on IS NULL OR founded_on IS NULL OR closed_on >= founded_on)
);
CREATE INDEX organisation_by_name ON organisation (lower(name), id);

-- Which neighbourhoods an organisation serves (may be several).
CREATE TABLE organisation_neighbourhood (
    organisation_id  uuid NOT NULL REFERENCES organisation(id),
    neighbourhood_id uuid NOT NULL REFERENCES neighbourhood(id),
    PRIMARY KEY (organisation_id, neighbourhood_id)
);
CREATE INDEX organisation_neighbourhood_by_area ON organisation_neighbourhood (neighbourhood_id);

-- Contact details are personal data: their own table, read only by keys with
-- the registry scope. Only the current contact is kept (data minimisation);
-- the organisation's history records that it changed, not what it was.
CREATE TABLE organisation_contact (
    organisation_id uuid PRIMARY KEY REFERENCES organisation(id),
    name          text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    role          text CHECK (length(role) <= 200),
    email         text CHECK (length(email) <= 320),
    phone         text CHECK (length(phone) <= 40)
);

-- Every version of an organisation as it was written (without the contact),
-- with who wrote it and when.
CREATE TABLE organisation_version (
    organisation_id uuid NOT NULL REFERENCES organisation(id),
    version       integer NOT NULL,
    document      jsonb NOT NULL,
    contact_changed boolean NOT NULL DEFAULT false,
    supplied_by_agency uuid REFERENCES agency(id),
    supplied_by_key    uuid REFERENCES api_key(id),
    supplied_as_evaluator boolean NOT NULL DEFAULT false,
    written_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (organisation_id, version)
);

-- Updates: status changes, activity records, achievements, problems and
-- support received. Client ids make a resent update a no-op.
CREATE TABLE organisation_update (
    id              uuid PRIMARY KEY,
    organisation_id uuid NOT NULL REFERENCES organisation(id),
    kind            text NOT NULL CHECK (kind IN ('status_change', 'activity', 'achievement',
                                                  'problem', 'support_received')),
    occurred_on     date NOT NULL,
    status_from     text,
    status_to       text,
    sessions        integer CHECK (sessions >= 0),
    attendance      integer CHECK (attendance >= 0),
    volunteer_hours numeric(10,2) CHECK (volunteer_hours >= 0),
    support_kind    text CHECK (support_kind IN ('cd_input', 'grant', 'meeting_space', 'training', 'other')),
    support_hours   numeric(10,2) CHECK (support_hours >= 0),
    amount_pence    bigint CHECK (amount_pence >= 0),
    description     text CHECK (length(description) <= 4000),
    body_sha256     bytea NOT NULL,
    supplied_by_agency uuid REFERENCES agency(id),
    supplied_by_key    uuid REFERENCES api_key(id),
    supplied_as_evaluator boolean NOT NULL DEFAULT false,
    created_at      timestamptz NOT NULL DEFAULT now(),
    withdrawn_at    timestamptz
);
CREATE INDEX organisation_update_by_org ON organisation_update (organisation_id, occurred_on);

-- Links between organisations (networking, cooperation), undirected: stored
-- with the smaller id first. Ending a link keeps it, with its end date.
CREATE TABLE organisation_link (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    org_a         uuid NOT NULL REFERENCES organisation(id),
    org_b         uuid NOT NULL REFERENCES organisation(id),
    kind          text NOT NULL CHECK (kind IN ('networking', 'cooperation')),
    since         date NOT NULL,
    ended_on      date,
    version       integer NOT NULL DEFAULT 1,
    supplied_by_agency uuid REFERENCES agency(id),
    supplied_by_key    uuid REFERENCES api_key(id),
    supplied_as_evaluator boolean NOT NULL DEFAULT false,
    created_at    timestamptz NOT NULL DEFAULT now(),
    CHECK (org_a < org_b),
    CHECK (ended_on IS NULL OR ended_on >= since)
);
CREATE UNIQUE INDEX organisation_link_one_live
    ON organisation_link (org_a, org_b, kind) WHERE ended_on IS NULL;
CREATE INDEX organisation_link_by_b ON organisation_link (org_b);

-- ------------------------------------------------- community issues, responses

CREATE TABLE community_issue (
    id               uuid PRIMARY KEY,
    version          integer NOT NULL DEFAULT 1,
    neighbourhood_id uuid NOT NULL REFERENCES neighbourhood(id),
    title            text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    description      text CHECK (length(description) <= 4000),
    theme            text NOT NULL,
    priority         text NOT NULL CHECK (priority IN ('high', 'medium', 'low')),
    raised_on        date NOT NULL,
    raised_via       text NOT NULL CHECK (raised_via IN ('listening_event', 'group', 'survey', 'other')),
    organisation_id  uuid REFERENCES organisation(id),
    status           text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'resolved', 'withdrawn')),
    body_sha256      bytea NOT NULL,
    supplied_by_agency uuid REFERENCES agency(id),
    supplied_by_key    uuid REFERENCES api_key(id),
    supplied_as_evaluator boolean NOT NULL DEFAULT false,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX community_issue_by_area ON community_issue (neighbourhood_id, raised_on);

-- The agencies an issue is routed to, and when.
CREATE TABLE community_issue_agency (
    issue_id   uuid NOT NULL REFERENCES community_issue(id),
    agency_id  uuid NOT NULL REFERENCES agency(id),
    routed_on  date NOT NULL,
    PRIMARY KEY (issue_id, agency_id)
);

-- Each agency's responses over time.
CREATE TABLE issue_response (
    id           uuid PRIMARY KEY,
    issue_id     uuid NOT NULL REFERENCES community_issue(id),
    agency_id    uuid NOT NULL REFERENCES agency(id),
    kind         text NOT NULL CHECK (kind IN ('acknowledged', 'action_agreed',
                                               'service_modified', 'declined')),
    responded_on date NOT NULL,
    note         text CHECK (length(note) <= 4000),
    body_sha256  bytea NOT NULL,
    supplied_by_agency uuid REFERENCES agency(id),
    supplied_by_key    uuid REFERENCES api_key(id),
    supplied_as_evaluator boolean NOT NULL DEFAULT false,
    created_at   timestamptz NOT NULL DEFAULT now(),
    CHECK (kind <> 'declined' OR note IS NOT NULL)
);
CREATE INDEX issue_response_by_issue ON issue_response (issue_id, responded_on);

-- ---------------------------------------------------------------- assets

CREATE TABLE meeting_space (
    id            uuid PRIMARY KEY,
    version       integer NOT NULL DEFAULT 1,
    name          text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    cost          text NOT NULL CHECK (cost IN ('free', 'low', 'standard')),
    capacity      integer CHECK (capacity > 0),
    available_from date NOT NULL,
    available_to  date,
    supplied_by_agency uuid REFERENCES agency(id),
    supplied_by_key    uuid REFERENCES api_key(id),
    supplied_as_evaluator boolean NOT NULL DEFAULT false,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    CHECK (available_to IS NULL OR available_to >= available_from)
);
CREATE TABLE meeting_space_neighbourhood (
    meeting_space_id uuid NOT NULL REFERENCES meeting_space(id),
    neighbourhood_id uuid NOT NULL REFERENCES neighbourhood(id),
    PRIMARY KEY (meeting_space_id, neighbourhood_id)
);

CREATE TABLE grant_scheme (
    id            uuid PRIMARY KEY,
    version       integer NOT NULL DEFAULT 1,
    name          text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    opens_on      date NOT NULL,
    closes_on     date,
    budget_pence  bigint CHECK (budget_pence >= 0),
    max_award_pence bigint CHECK (max_award_pence >= 0),
    supplied_by_agency uuid REFERENCES agency(id),
    supplied_by_key    uuid REFERENCES api_key(id),
    supplied_as_evaluator boolean NOT NULL DEFAULT false,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    CHECK (closes_on IS NULL OR closes_on >= opens_on)
);
CREATE TABLE grant_scheme_neighbourhood (
    grant_scheme_id  uuid NOT NULL REFERENCES grant_scheme(id),
    neighbourhood_id uuid NOT NULL REFERENCES neighbourhood(id),
    PRIMARY KEY (grant_scheme_id, neighbourhood_id)
);

-- Community development input: worker hours per neighbourhood per month.
CREATE TABLE cd_input (
    id               uuid PRIMARY KEY,
    neighbourhood_id uuid NOT NULL REFERENCES neighbourhood(id),
    month            date NOT NULL CHECK (extract(day FROM month) = 1),
    hours            numeric(10,2) NOT NULL CHECK (hours >= 0),
    note             text CHECK (length(note) <= 2000),
    body_sha256      bytea NOT NULL,
    supplied_by_agency uuid REFERENCES agency(id),
    supplied_by_key    uuid REFERENCES api_key(id),
    supplied_as_evaluator boolean NOT NULL DEFAULT false,
    created_at       timestamptz NOT NULL DEFAULT now(),
    withdrawn_at     timestamptz
);
CREATE INDEX cd_input_by_area ON cd_input (neighbourhood_id, month);

-- ---------------------------------------------------------------- evidence

-- Case studies and key-informant testimonies, tied to a neighbourhood, a
-- group or a community issue (at least one).
CREATE TABLE evidence (
    id               uuid PRIMARY KEY,
    kind             text NOT NULL CHECK (kind IN ('case_study', 'testimony', 'other')),
    neighbourhood_id uuid REFERENCES neighbourhood(id),
    organisation_id  uuid REFERENCES organisation(id),
    issue_id         uuid REFERENCES community_issue(id),
    title            text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    summary          text NOT NULL CHECK (length(summary) BETWEEN 1 AND 20000),
    url              text CHECK (url ~ '^https?://'),
    informant_role   text CHECK (length(informant_role) <= 200),
    collected_on     date NOT NULL,
    body_sha256      bytea NOT NULL,
    supplied_by_agency uuid REFERENCES agency(id),
    supplied_by_key    uuid REFERENCES api_key(id),
    supplied_as_evaluator boolean NOT NULL DEFAULT false,
    created_at       timestamptz NOT NULL DEFAULT now(),
    withdrawn_at     timestamptz,
    CHECK (neighbourhood_id IS NOT NULL OR organisation_id IS NOT NULL OR issue_id IS NOT NULL)
);

-- ------------------------------------------------------------ instruments

-- Sector responses are answered by an organisation and have no
-- neighbourhood of their own; agency reports name the reporting agency.
-- `area_id` is the respondent's ward or LSOA (resident), for ward figures.
ALTER TABLE survey_response ALTER COLUMN neighbourhood_id DROP NOT NULL;
ALTER TABLE survey_response
    ADD COLUMN area_id uuid REFERENCES area(id),
    ADD COLUMN organisation_id uuid REFERENCES organisation(id),
    ADD COLUMN agency_id uuid REFERENCES agency(id),
    ADD COLUMN supplied_by_agency uuid REFERENCES agency(id),
    ADD COLUMN supplied_by_key uuid REFERENCES api_key(id),
    ADD COLUMN supplied_as_evaluator boolean NOT NULL DEFAULT false,
    ADD CONSTRAINT survey_response_owner CHECK (
        (instrument = 'resident' AND neighbourhood_id IS NOT NULL)
        OR (instrument = 'sector' AND organisation_id IS NOT NULL)
        OR (instrument = 'agency' AND neighbourhood_id IS NOT NULL AND agency_id IS NOT NULL));
ALTER TABLE survey_round ADD COLUMN programme_id uuid REFERENCES programme(id);
