// Generated from docs/openapi.yaml by OpenAPIDocumentTests (CAPSTAN_UPDATE_OPENAPI=1); do not edit.

extension OpenAPIDocument {
    static let yaml = #"""
openapi: 3.1.0
info:
  title: Capstan API
  version: 1.0.0
  summary: GitOps continuous delivery — applications, deployments, their stages, logs and events.
  description: |
    The HTTP API of `capstan serve` (docs/api.md explains each route with examples). JSON everywhere
    under /api/v1: keys in camelCase and sorted; every documented field is always present (null when
    unknown); times are ISO 8601 in UTC with six fraction digits; HEAD works wherever GET does; unknown
    query parameters are ignored, while a known one that is empty, repeated or out of range is a 400.
    Errors have one shape, ErrorBody.

    Reads under /api/ are open unless the server's auth config says `anonymousRead: false`; a token that
    is sent is always checked. Commands (POST) need a bearer token with the role named on each; a server
    without tokens takes commands only from its own machine, and never from web pages (an Origin header).
  license:
    name: Apache-2.0
    identifier: Apache-2.0
servers:
  - url: http://127.0.0.1:8080
    description: capstan serve's default address
tags:
  - name: apps
    description: Applications and their sync status.
  - name: deployments
    description: Deployments, their stages, logs and the commands that change them.
  - name: events
    description: The event log, paged or streamed.
  - name: operations
    description: Health, metrics, webhooks and this document.
security:
  - {}
  - bearerAuth: []
paths:
  /healthz:
    get:
      tags: [operations]
      operationId: getHealth
      summary: Whether the server can read its store.
      security: []
      responses:
        '200':
          description: Healthy.
          content:
            application/json:
              schema:
                $ref: '#/components/schemas/HealthView'
        '503':
          description: Unavailable; the message says why.
          content:
            application/json:
              schema:
                $ref: '#/components/schemas/HealthView'
  /metrics:
    get:
      tags: [operations]
      operationId: getMetrics
      summary: Prometheus text exposition (deployments, stage durations, polls, Git errors).
      security: []
      responses:
        '200':
          description: The metrics.
          content:
            text/plain:
              schema:
                type: string
        '404':
          $ref: '#/components/responses/NotFound'
  /api/v1/openapi.yaml:
    get:
      tags: [operations]
      operationId: getOpenAPIDocument
      summary: This document.
      responses:
        '200':
          description: The OpenAPI 3.1 document, as docs/openapi.yaml.
          content:
            application/yaml:
              schema:
                type: string
        '401':
          $ref: '#/components/responses/Unauthorized'
  /api/v1/apps:
    get:
      tags: [apps]
      operationId: listApps
      summary: Every application the server knows, sorted by name.
      responses:
        '200':
          description: The applications.
          content:
            application/json:
              schema:
                type: array
                items:
                  $ref: '#/components/schemas/AppView'
        '401':
          $ref: '#/components/responses/Unauthorized'
        '503':
          $ref: '#/components/responses/Unavailable'
  /api/v1/apps/{name}:
    get:
      tags: [apps]
      operationId: getApp
      summary: One application, its desired-vs-live diff and its newest deployment.
      parameters:
        - $ref: '#/components/parameters/AppName'
      responses:
        '200':
          description: The application.
          content:
            application/json:
              schema:
                $ref: '#/components/schemas/AppDetailView'
        '400':
          $ref: '#/components/responses/BadRequest'
        '401':
          $ref: '#/components/responses/Unauthorized'
        '404':
          $ref: '#/components/responses/NotFound'
        '503':
          $ref: '#/components/responses/Unavailable'
  /api/v1/apps/{name}/diff:
    get:
      tags: [apps]
      operationId: getAppDiff
      summary: Just the desired-vs-live difference of one application.
      parameters:
        - $ref: '#/components/parameters/AppName'
      responses:
        '200':
          description: The difference.
          content:
            application/json:
              schema:
                $ref: '#/components/schemas/AppDiffView'
        '400':
          $ref: '#/components/responses/BadRequest'
        '401':
          $ref: '#/components/responses/Unauthorized'
        '404':
          $ref: '#/components/responses/NotFound'
        '503':
          $ref: '#/components/responses/Unavailable'
  /api/v1/apps/{name}/sync:
    post:
      tags: [apps]
      operationId: syncApp
      summary: Records a manual deployment of the application (role deployer).
      description: |
        Deploys `commit` (a full or short id, a branch or a tag; absent: the watched branch's head) after
        fetching the repository, even when the application's automatic sync is off. Answers with the new
        deployment: follow it with `capstan deployment follow ID`.
      security:
        - bearerAuth: []
      parameters:
        - $ref: '#/components/parameters/AppName'
      requestBody:
        required: false
        content:
          application/json:
            schema:
              $ref: '#/components/schemas/SyncBody'
      responses:
        '202':
          $ref: '#/components/responses/CommandAccepted'
        '400':
          $ref: '#/components/responses/BadRequest'
        '401':
          $ref: '#/components/responses/Unauthorized'
        '403':
          $ref: '#/components/responses/Forbidden'
        '404':
          $ref: '#/components/responses/NotFound'
        '409':
          $ref: '#/components/responses/Conflict'
        '413':
          $ref: '#/components/responses/PayloadTooLarge'
        '503':
          $ref: '#/components/responses/Unavailable'
  /api/v1/deployments:
    get:
      tags: [deployments]
      operationId: listDeployments
      summary: Deployments, newest first (createdAt descending, ties by id).
      parameters:
        - name: app
          in: query
          description: Only this application's deployments.
          schema:
            type: string
        - name: state
          in: query
          description: Only deployments in this state (case-insensitive).
          schema:
            $ref: '#/components/schemas/DeploymentState'
        - $ref: '#/components/parameters/Limit'
      responses:
        '200':
          description: The deployments.
          content:
            application/json:
              schema:
                type: array
                items:
                  $ref: '#/components/schemas/DeploymentView'
        '400':
          $ref: '#/components/responses/BadRequest'
        '401':
          $ref: '#/components/responses/Unauthorized'
        '503':
          $ref: '#/components/responses/Unavailable'
  /api/v1/deployments/{id}:
    get:
      tags: [deployments]
      operationId: getDeployment
      summary: One deployment with its stages, approvals and every event it produced.
      parameters:
        - $ref: '#/components/parameters/DeploymentID'
      responses:
        '200':
          description: The deployment.
          content:
            application/json:
              schema:
                $ref: '#/components/schemas/DeploymentDetailView'
        '400':
          $ref: '#/components/responses/BadRequest'
        '401':
          $ref: '#/components/responses/Unauthorized'
        '404':
          $ref: '#/components/responses/NotFound'
        '503':
          $ref: '#/components/responses/Unavailable'
  /api/v1/deployments/{id}/stages/{index}/logs:
    get:
      tags: [deployments]
      operationId: getStageLogs
      summary: One page of one stage's log lines, with the stage's and the deployment's state.
      parameters:
        - $ref: '#/components/parameters/DeploymentID'
        - name: index
          in: path
          required: true
          description: The stage's 0-based index.
          schema:
            type: integer
            minimum: 0
        - $ref: '#/components/parameters/After'
        - $ref: '#/components/parameters/Limit'
      responses:
        '200':
          description: The page; pass `next` as `after` for the next one.
          content:
            application/json:
              schema:
                $ref: '#/components/schemas/StageLogsView'
        '400':
          $ref: '#/components/responses/BadRequest'
        '401':
          $ref: '#/components/responses/Unauthorized'
        '404':
          $ref: '#/components/responses/NotFound'
        '503':
          $ref: '#/components/responses/Unavailable'
  /api/v1/deployments/{id}/rollback:
    post:
      tags: [deployments]
      operationId: rollbackDeployment
      summary: Rolls a RUNNING deployment back to the previous version; it ends FAILURE (role deployer).
      security:
        - bearerAuth: []
      parameters:
        - $ref: '#/components/parameters/DeploymentID'
      requestBody:
        required: false
        content:
          application/json:
            schema:
              type: object
      responses:
        '202':
          $ref: '#/components/responses/CommandAccepted'
        '400':
          $ref: '#/components/responses/BadRequest'
        '401':
          $ref: '#/components/responses/Unauthorized'
        '403':
          $ref: '#/components/responses/Forbidden'
        '404':
          $ref: '#/components/responses/NotFound'
        '409':
          $ref: '#/components/responses/Conflict'
        '413':
          $ref: '#/components/responses/PayloadTooLarge'
        '503':
          $ref: '#/components/responses/Unavailable'
  /api/v1/deployments/{id}/cancel:
    post:
      tags: [deployments]
      operationId: cancelDeployment
      summary: Stops a deployment, rolling it back first unless told not to; it ends CANCELLED (role deployer).
      security:
        - bearerAuth: []
      parameters:
        - $ref: '#/components/parameters/DeploymentID'
      requestBody:
        required: false
        content:
          application/json:
            schema:
              $ref: '#/components/schemas/CancelBody'
      responses:
        '202':
          $ref: '#/components/responses/CommandAccepted'
        '400':
          $ref: '#/components/responses/BadRequest'
        '401':
          $ref: '#/components/responses/Unauthorized'
        '403':
          $ref: '#/components/responses/Forbidden'
        '404':
          $ref: '#/components/responses/NotFound'
        '409':
          $ref: '#/components/responses/Conflict'
        '413':
          $ref: '#/components/responses/PayloadTooLarge'
        '503':
          $ref: '#/components/responses/Unavailable'
  /api/v1/deployments/{id}/approve:
    post:
      tags: [deployments]
      operationId: approveDeployment
      summary: Approves the WAIT_APPROVAL stage running now (role approver).
      description: |
        Recorded under the token's name; the stage's `approvers` list names identities or `role:NAME`.
        A second approval by the same identity is accepted and counts once. 403 when the caller is not
        among the stage's approvers.
      security:
        - bearerAuth: []
      parameters:
        - $ref: '#/components/parameters/DeploymentID'
      requestBody:
        required: false
        content:
          application/json:
            schema:
              type: object
      responses:
        '202':
          $ref: '#/components/responses/CommandAccepted'
        '400':
          $ref: '#/components/responses/BadRequest'
        '401':
          $ref: '#/components/responses/Unauthorized'
        '403':
          $ref: '#/components/responses/Forbidden'
        '404':
          $ref: '#/components/responses/NotFound'
        '409':
          $ref: '#/components/responses/Conflict'
        '413':
          $ref: '#/components/responses/PayloadTooLarge'
        '503':
          $ref: '#/components/responses/Unavailable'
  /api/v1/deployments/{id}/skip-stage:
    post:
      tags: [deployments]
      operationId: skipDeploymentStage
      summary: Ends the stage running now as SKIPPED and goes on with the next one (role deployer).
      security:
        - bearerAuth: []
      parameters:
        - $ref: '#/components/parameters/DeploymentID'
      requestBody:
        required: false
        content:
          application/json:
            schema:
              type: object
      responses:
        '202':
          $ref: '#/components/responses/CommandAccepted'
        '400':
          $ref: '#/components/responses/BadRequest'
        '401':
          $ref: '#/components/responses/Unauthorized'
        '403':
          $ref: '#/components/responses/Forbidden'
        '404':
          $ref: '#/components/responses/NotFound'
        '409':
          $ref: '#/components/responses/Conflict'
        '413':
          $ref: '#/components/responses/PayloadTooLarge'
        '503':
          $ref: '#/components/responses/Unavailable'
  /api/v1/events:
    get:
      tags: [events]
      operationId: listEvents
      summary: One page of the event log, oldest first.
      description: |
        Every event has a global, gap-free sequence (1, 2, 3, …): pass the last one seen as `after` for the
        next page; an empty array means caught up.
      parameters:
        - $ref: '#/components/parameters/After'
        - $ref: '#/components/parameters/Limit'
      responses:
        '200':
          description: The page.
          content:
            application/json:
              schema:
                type: array
                items:
                  $ref: '#/components/schemas/EventView'
        '400':
          $ref: '#/components/responses/BadRequest'
        '401':
          $ref: '#/components/responses/Unauthorized'
        '503':
          $ref: '#/components/responses/Unavailable'
  /api/v1/events/stream:
    get:
      tags: [events]
      operationId: streamEvents
      summary: The event log as Server-Sent Events, from a cursor on, for as long as the client stays.
      description: |
        Each event is sent as `id: <sequence>`, `event: <kind>` and `data: <the EventView as one line of
        JSON>`, then a blank line; sequences strictly increase. Reconnecting with the last id seen, in the
        `Last-Event-ID` header (which wins over `after`), resumes exactly: no event is lost or repeated.
        The stream opens with a `: events after N` comment and sends a `: heartbeat` comment after 15 s
        of silence. If the store fails mid-stream the server sends a `stream.error` event (no id; data:
        an ErrorBody) and ends the stream; reconnect later. Errors before the stream starts are JSON.
      parameters:
        - name: after
          in: query
          description: Only events with a higher sequence (default 0); `Last-Event-ID` wins over it.
          schema:
            type: integer
            format: int64
            minimum: 0
        - name: Last-Event-ID
          in: header
          description: The last sequence the client saw; the stream resumes after it.
          schema:
            type: integer
            format: int64
            minimum: 0
        - name: app
          in: query
          description: Only this application's events.
          schema:
            type: string
        - name: deployment
          in: query
          description: Only this deployment's events (read through the store's index by deployment).
          schema:
            type: string
        - name: limit
          in: query
          description: 'End the stream after this many events (by default it never ends).'
          schema:
            type: integer
            minimum: 1
      responses:
        '200':
          description: The stream.
          content:
            text/event-stream:
              schema:
                type: string
              example: |
                : events after 41

                id: 42
                event: stage.state_changed
                data: {"app":"checkout","at":"2025-03-01T12:00:35.250000Z","data":{"to":"SUCCESS"},"deployment":"d-0002","kind":"stage.state_changed","message":"CANARY_ROLLOUT succeeded","sequence":42,"stageIndex":0}

                : heartbeat
        '400':
          $ref: '#/components/responses/BadRequest'
        '401':
          $ref: '#/components/responses/Unauthorized'
        '503':
          $ref: '#/components/responses/Unavailable'
  /webhooks/{provider}:
    post:
      tags: [operations]
      operationId: receiveWebhook
      summary: A Git host or CI job reports a push; the repositories it names are fetched at once.
      description: |
        Checked by signature (docs/webhooks.md), not by bearer token. Checked in this order: 404 (unknown
        provider), 413 (too large), 401 (signature), 400 (body); then 200 for a ping, 202 otherwise.
      security: []
      parameters:
        - name: provider
          in: path
          required: true
          schema:
            type: string
            enum: [github, gitlab, gitea, bitbucket, generic]
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
      responses:
        '200':
          description: A ping.
          content:
            application/json:
              schema:
                $ref: '#/components/schemas/WebhookResultView'
        '202':
          description: What the delivery refreshed (nothing when it matched no repository).
          content:
            application/json:
              schema:
                $ref: '#/components/schemas/WebhookResultView'
        '400':
          $ref: '#/components/responses/BadRequest'
        '401':
          $ref: '#/components/responses/Unauthorized'
        '404':
          $ref: '#/components/responses/NotFound'
        '413':
          $ref: '#/components/responses/PayloadTooLarge'
        '503':
          $ref: '#/components/responses/Unavailable'
components:
  securitySchemes:
    bearerAuth:
      type: http
      scheme: bearer
      description: A token from the server's tokens file, with roles viewer, deployer, approver or admin.
  parameters:
    AppName:
      name: name
      in: path
      required: true
      description: The application's name, percent-encoded when it needs it.
      schema:
        type: string
    DeploymentID:
      name: id
      in: path
      required: true
      description: The deployment's id (d-…).
      schema:
        type: string
    After:
      name: after
      in: query
      description: Only items with a higher event sequence (default 0).
      schema:
        type: integer
        format: int64
        minimum: 0
        default: 0
    Limit:
      name: limit
      in: query
      description: At most this many (default 100).
      schema:
        type: integer
        minimum: 1
        maximum: 1000
        default: 100
  responses:
    CommandAccepted:
      description: The command is persisted; the deployment as it left it (the work it starts runs after).
      content:
        application/json:
          schema:
            $ref: '#/components/schemas/DeploymentView'
    BadRequest:
      description: A query, path, header or body value the API cannot use; the message names it.
      content:
        application/json:
          schema:
            $ref: '#/components/schemas/ErrorBody'
    Unauthorized:
      description: No token where one is needed, or one the server does not know (WWW-Authenticate says which).
      content:
        application/json:
          schema:
            $ref: '#/components/schemas/ErrorBody'
    Forbidden:
      description: The caller may not do this (a role it lacks; without tokens, another machine; a web page).
      content:
        application/json:
          schema:
            $ref: '#/components/schemas/ErrorBody'
    NotFound:
      description: No such application, deployment, stage, provider or route.
      content:
        application/json:
          schema:
            $ref: '#/components/schemas/ErrorBody'
    Conflict:
      description: The command does not apply to the deployment as it is now; the message says why.
      content:
        application/json:
          schema:
            $ref: '#/components/schemas/ErrorBody'
    PayloadTooLarge:
      description: The body is larger than the route reads.
      content:
        application/json:
          schema:
            $ref: '#/components/schemas/ErrorBody'
    Unavailable:
      description: The store, the tokens file or the command handler is unavailable (code store_unavailable, auth_unavailable or commands_unavailable).
      content:
        application/json:
          schema:
            $ref: '#/components/schemas/ErrorBody'
  schemas:
    ErrorBody:
      type: object
      required: [error]
      properties:
        error:
          type: object
          required: [code, message]
          properties:
            code:
              type: string
              description: Stable, for programs.
              enum: [bad_request, unauthorized, forbidden, not_found, method_not_allowed, conflict, payload_too_large, store_unavailable, auth_unavailable, commands_unavailable, internal]
            message:
              type: string
              description: For people; names the parameter or record at fault.
    HealthView:
      type: object
      required: [status]
      properties:
        status:
          type: string
          enum: [ok, unavailable]
        message:
          type: string
          description: Why it is unavailable; absent when ok.
    Timestamp:
      type: string
      format: date-time
      description: ISO 8601 in UTC with six fraction digits.
      pattern: '^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$'
      examples: ['2025-03-01T12:00:00.250000Z']
    CommitID:
      type: string
      description: A full 40-digit lower-case hex commit id.
      pattern: '^[0-9a-f]{40}$'
    SyncStatus:
      type: string
      enum: [SYNCED, OUT_OF_SYNC, DEPLOYING, UNKNOWN, INVALID_CONFIG]
    DeploymentState:
      type: string
      enum: [PENDING, PLANNED, RUNNING, ROLLING_BACK, SUCCESS, FAILURE, CANCELLED]
    StageState:
      type: string
      enum: [NOT_STARTED, RUNNING, SUCCESS, FAILURE, CANCELLED, SKIPPED]
    StageKind:
      type: string
      enum: [SYNC, CANARY_ROLLOUT, BASELINE_ROLLOUT, PRIMARY_ROLLOUT, TRAFFIC_ROUTING, CANARY_CLEAN, BASELINE_CLEAN, ROLLBACK, WAIT, WAIT_APPROVAL, ANALYSIS, SCRIPT_RUN]
    EventKind:
      type: string
      enum: [deployment.created, deployment.state_changed, deployment.replanned, stage.state_changed, stage.log, analysis.measurement, analysis.verdict, analysis.result, approval.recorded, app.status_changed, repository.polled, repository.error]
    AppView:
      type: object
      required: [name, status, liveCommit, repository, configPath, summary, updatedAt]
      properties:
        name:
          type: string
        status:
          $ref: '#/components/schemas/SyncStatus'
        liveCommit:
          description: The commit of the last successful deployment; null before the first.
          oneOf:
            - $ref: '#/components/schemas/CommitID'
            - type: 'null'
        repository:
          type: string
        configPath:
          type: string
        summary:
          type: [string, 'null']
          description: One line on desired vs live, for people.
        updatedAt:
          $ref: '#/components/schemas/Timestamp'
    AppDetailView:
      type: object
      required: [name, status, liveCommit, repository, configPath, summary, diff, updatedAt, lastDeployment]
      properties:
        name:
          type: string
        status:
          $ref: '#/components/schemas/SyncStatus'
        liveCommit:
          oneOf:
            - $ref: '#/components/schemas/CommitID'
            - type: 'null'
        repository:
          type: string
        configPath:
          type: string
        summary:
          type: [string, 'null']
        diff:
          type: string
          description: The desired-vs-live diff; empty when synced or not yet known.
        updatedAt:
          $ref: '#/components/schemas/Timestamp'
        lastDeployment:
          description: The newest deployment, whatever its state; null before the first.
          oneOf:
            - $ref: '#/components/schemas/DeploymentView'
            - type: 'null'
    AppDiffView:
      type: object
      required: [app, status, liveCommit, summary, diff]
      properties:
        app:
          type: string
        status:
          $ref: '#/components/schemas/SyncStatus'
        liveCommit:
          oneOf:
            - $ref: '#/components/schemas/CommitID'
            - type: 'null'
        summary:
          type: [string, 'null']
        diff:
          type: string
    DeploymentView:
      type: object
      required: [id, app, commit, previousCommit, state, trigger, strategy, reason, createdAt, updatedAt]
      properties:
        id:
          type: string
        app:
          type: string
        commit:
          $ref: '#/components/schemas/CommitID'
        previousCommit:
          description: What was live when it was planned; null for a first deployment.
          oneOf:
            - $ref: '#/components/schemas/CommitID'
            - type: 'null'
        state:
          $ref: '#/components/schemas/DeploymentState'
        trigger:
          type: string
          enum: [commit, manual, selfHeal]
        strategy:
          type: string
          enum: [quick, pipeline]
        reason:
          type: [string, 'null']
          description: Why it is in its state, for people.
        createdAt:
          $ref: '#/components/schemas/Timestamp'
        updatedAt:
          $ref: '#/components/schemas/Timestamp'
    DeploymentDetailView:
      type: object
      required: [id, app, commit, previousCommit, state, trigger, strategy, reason, createdAt, updatedAt, stages, approvals, events]
      properties:
        id:
          type: string
        app:
          type: string
        commit:
          $ref: '#/components/schemas/CommitID'
        previousCommit:
          oneOf:
            - $ref: '#/components/schemas/CommitID'
            - type: 'null'
        state:
          $ref: '#/components/schemas/DeploymentState'
        trigger:
          type: string
          enum: [commit, manual, selfHeal]
        strategy:
          type: string
          enum: [quick, pipeline]
        reason:
          type: [string, 'null']
        createdAt:
          $ref: '#/components/schemas/Timestamp'
        updatedAt:
          $ref: '#/components/schemas/Timestamp'
        stages:
          type: array
          description: By index; the last is the ROLLBACK stage Capstan adds.
          items:
            $ref: '#/components/schemas/StageView'
        approvals:
          type: array
          items:
            $ref: '#/components/schemas/ApprovalView'
        events:
          type: array
          description: Every event of this deployment, oldest first.
          items:
            $ref: '#/components/schemas/EventView'
    StageView:
      type: object
      required: [index, kind, options, state, attempts, reason, startedAt, finishedAt]
      properties:
        index:
          type: integer
          minimum: 0
        kind:
          $ref: '#/components/schemas/StageKind'
        options:
          type: object
          description: |
            The stage's `with:` options at the deployment's commit, defaults filled in, e.g.
            {"primary": 90, "canary": 10, "baseline": 0} for TRAFFIC_ROUTING, {"replicas": 1} or
            {"replicas": "50%"} for a rollout, {"duration": "5m"} for WAIT; {} when it has none.
          additionalProperties: true
        state:
          $ref: '#/components/schemas/StageState'
        attempts:
          type: integer
          minimum: 0
        reason:
          type: [string, 'null']
        startedAt:
          oneOf:
            - $ref: '#/components/schemas/Timestamp'
            - type: 'null'
        finishedAt:
          oneOf:
            - $ref: '#/components/schemas/Timestamp'
            - type: 'null'
        analysis:
          $ref: '#/components/schemas/AnalysisView'
    AnalysisView:
      type: object
      description: For ANALYSIS stages that measured something (absent otherwise); see docs/analysis.md.
      required: [score, result, reason, metrics]
      properties:
        score:
          type: [number, 'null']
          description: 0–100; null while the analysis runs.
        result:
          description: Null while the analysis runs.
          oneOf:
            - type: string
              enum: [pass, marginal, fail]
            - type: 'null'
        reason:
          type: [string, 'null']
        metrics:
          type: array
          description: In the order the metrics were first judged.
          items:
            $ref: '#/components/schemas/AnalysisMetricView'
    AnalysisMetricView:
      type: object
      description: One metric's latest verdict; numbers are null where the judge had none.
      required: [name, classification, critical, experimentSamples, controlSamples, failures, pValue, estimate, lower, upper, effectSize, reason]
      properties:
        name:
          type: string
        classification:
          type: string
          enum: [Pass, High, Low, Nodata, Error]
        critical:
          type: boolean
        experimentSamples:
          type: integer
        controlSamples:
          type: integer
        failures:
          type: integer
        pValue:
          type: [number, 'null']
        estimate:
          type: [number, 'null']
          description: Hodges–Lehmann estimate of the shift (experiment − control).
        lower:
          type: [number, 'null']
        upper:
          type: [number, 'null']
        effectSize:
          type: [number, 'null']
        reason:
          type: string
    ApprovalView:
      type: object
      required: [stageIndex, approver, at]
      properties:
        stageIndex:
          type: integer
        approver:
          type: string
        at:
          $ref: '#/components/schemas/Timestamp'
    EventView:
      type: object
      required: [sequence, kind, at, app, deployment, stageIndex, message, data]
      properties:
        sequence:
          type: integer
          format: int64
          minimum: 1
          description: Global and gap-free; the cursor for `after` and `Last-Event-ID`.
        kind:
          $ref: '#/components/schemas/EventKind'
        at:
          $ref: '#/components/schemas/Timestamp'
        app:
          type: [string, 'null']
        deployment:
          type: [string, 'null']
        stageIndex:
          type: [integer, 'null']
        message:
          type: string
        data:
          type: object
          description: Machine-readable details as strings (states, commit, weights); never secrets.
          additionalProperties:
            type: string
    StageLogsView:
      type: object
      required: [deployment, stage, kind, state, deploymentState, lines, next]
      properties:
        deployment:
          type: string
        stage:
          type: integer
        kind:
          $ref: '#/components/schemas/StageKind'
        state:
          $ref: '#/components/schemas/StageState'
        deploymentState:
          $ref: '#/components/schemas/DeploymentState'
        lines:
          type: array
          items:
            $ref: '#/components/schemas/LogLineView'
        next:
          type: integer
          format: int64
          description: What to pass as `after` for the next page.
    LogLineView:
      type: object
      required: [sequence, time, level, message]
      properties:
        sequence:
          type: integer
          format: int64
        time:
          $ref: '#/components/schemas/Timestamp'
        level:
          type: string
          enum: [info, warning, error]
        message:
          type: string
    SyncBody:
      type: object
      properties:
        commit:
          type: [string, 'null']
          description: "A full or short commit id, a branch or a tag; absent or null: the watched branch's head."
      examples:
        - commit: 4f2a9c1
    CancelBody:
      type: object
      properties:
        rollback:
          type: [boolean, 'null']
          description: 'true (the default): a RUNNING deployment first rolls back; false: it stops at once, variants and weights left as they are.'
    WebhookResultView:
      type: object
      required: [refreshed, message]
      properties:
        refreshed:
          type: array
          description: The repositories whose fetch was asked for, sorted.
          items:
            type: string
        message:
          type: string

"""#
}
