// Type declarations for the `kaizala` package (hand-written; the same for the browser and Node builds).
// Field names are the platform's own; results are plain objects.

// ─── Errors ─────────────────────────────────────────────────────────────────────────────────────

/** The stable code of a {@link KaizalaError}. */
export type KaizalaErrorCode =
  | 'invalid_input'
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'too_large'
  | 'unsupported_media'
  | 'throttled'
  | 'timeout'
  | 'aborted'
  | 'network'
  | 'server'
  | 'invalid_response'
  | 'relocation_loop'
  | 'redirect_refused'
  | 'not_signed_in';

export interface KaizalaErrorDetails {
  code?: KaizalaErrorCode;
  status?: number;
  retryAfter?: number;
  operation?: string;
  field?: string;
  platformCode?: string;
  cause?: unknown;
}

/**
 * What every refused or failed call rejects with (and what the constructor throws for bad options).
 * `instanceof KaizalaError` and `instanceof Error` both hold. Messages never contain a token or the
 * application secret.
 */
export class KaizalaError extends Error {
  constructor(message: string, details?: KaizalaErrorDetails);
  readonly name: 'KaizalaError';
  /** A stable string to branch on. */
  code: KaizalaErrorCode;
  /** The HTTP status, or 0 when there was no answer (validation, network, time-out, abort). */
  status: number;
  /** Seconds to wait before trying again (`throttled`). */
  retryAfter?: number;
  /** The method that failed, e.g. `"listGroups"`. */
  operation: string;
  /** The input field to blame (`invalid_input`, and server refusals that name one). */
  field?: string;
  /**
   * The platform's own `errorCode` when the server's answer carried one, as sent (e.g.
   * `"InvalidToken"`, `"InvalidParameters"`); `code` is what it maps to.
   */
  platformCode?: string;
}

/** Every code a {@link KaizalaError} may carry. */
export function errorCodes(): KaizalaErrorCode[];

// ─── Options ────────────────────────────────────────────────────────────────────────────────────

/** The last argument every asynchronous method takes. */
export interface CallOptions {
  /** Aborts the call (and any back-off wait in progress); the call rejects with code `aborted`. */
  signal?: AbortSignal;
}

/** A storage for tokens: `localStorage`, `sessionStorage`, or anything shaped like them. */
export interface TokenStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

/** What a {@link KaizalaClientOptions.tokenProvider} returns. */
export interface ProvidedToken {
  accessToken: string;
  /** The user's endpoint URL, e.g. `https://kms.kaiza.la/` (resource calls go to `{endpointUrl}v1/…`). */
  endpointUrl: string;
  /** Expiry as epoch milliseconds, or an ISO 8601 date. */
  accessTokenExpiry: number | string;
}

/** One HTTP call, as reported to `onRequest` / `onResponse`. Tokens and the secret are redacted. */
export interface RequestEvent {
  method: string;
  url: string;
  /** The HTTP status (0 before the answer, or when there was none). */
  status: number;
  /** Milliseconds from sending to the answer (0 in `onRequest`). */
  timeMs: number;
  /** 0 for the first attempt, 1 for the first retry, … */
  retry: number;
  /** The client method that made the call. */
  operation: string;
}

export interface KaizalaClientOptions {
  /** The connector's id. */
  applicationId: string;
  /** The connector's secret; never stored. Leave it out in browsers and use `tokenProvider` instead. */
  applicationSecret?: string;
  /** A refresh token from the portal (a group or user token), stored for this connection. */
  refreshToken?: string;
  /** The auth root; default `https://api.kaiza.la/v1` (the emulator: `{origin}/v1`). */
  authUrl?: string;
  /** The OAuth root; default `https://ds.kaiza.la/api/Oauth` (the emulator: `{origin}/api/Oauth`). */
  oauthUrl?: string;
  /** A name for this set of tokens, so several can live side by side; default `"default"`. */
  connection?: string;
  /**
   * Where tokens are kept, under `kaizala:{applicationId}:{connection}`: `"local"` (the default in
   * browsers), `"session"`, `"memory"` (the default in Node), or any {@link TokenStorage}.
   */
  storage?: 'local' | 'session' | 'memory' | TokenStorage;
  /** Supplies access tokens instead of minting them (for apps that keep the secret on a server). */
  tokenProvider?: () => Promise<ProvidedToken> | ProvidedToken;
  /** Time-out of one HTTP call in milliseconds; default 60,000. */
  timeoutMs?: number;
  /**
   * Retries of one call after 429, network errors and 5xx (the latter only for calls safe to
   * repeat), all counted together; default 3.
   */
  maxRetries?: number;
  /**
   * The largest answer read, in bytes (1 to 1,073,741,824); default 16,777,216 (16 MiB). A larger
   * answer is not read and the call rejects with code `too_large`.
   */
  maxResponseBytes?: number;
  /** Called whenever the held tokens change (sign-in, refresh, rotation, relocation, sign-out). */
  onTokenChange?: (info: TokenInfo) => void;
  /** Called before each HTTP call. */
  onRequest?: (event: RequestEvent) => void;
  /** Called after each HTTP call (also for failed ones). */
  onResponse?: (event: RequestEvent) => void;
  /**
   * Keeps to the platform's throttle by queueing calls in the client: by default at most 100 calls
   * a minute per connector (the platform's throttle), shared by every client of that connector in this JS realm. `false`
   * turns it off; `{calls, windowMs}` sets another limit.
   */
  rateLimit?: false | RateLimit;
}

export interface RateLimit {
  /** Calls allowed in any window; default 100. */
  calls?: number;
  /** The window in milliseconds; default 60,000. */
  windowMs?: number;
}

/** A storage that can be listed (for {@link KaizalaClient.connections}): `localStorage`, `sessionStorage`, or your own. */
export type ListableStorage = TokenStorage & ({ readonly length: number; key(index: number): string | null } | { keys(): Iterable<string> });

/** One named connection held in a storage: never a token or the secret. */
export interface Connection {
  name: string;
  applicationId: string;
  endpointUrl: string | null;
  scopes: Scope[];
  /** Epoch milliseconds. */
  accessTokenExpiry: number | null;
  /** Epoch milliseconds. */
  refreshTokenExpiry: number | null;
  hasRefreshToken: boolean;
  signedIn: boolean;
}

// ─── Sign-in and tokens ─────────────────────────────────────────────────────────────────────────

export type Scope =
  | 'groupinfo.read' | 'groupinfo.write' | 'groupinfo.remove' | 'groupinfo.update'
  | 'groupmember.read' | 'groupmember.write' | 'groupmember.remove' | 'groupmember.update'
  | 'textmessage.read' | 'textmessage.write'
  | 'action.read' | 'action.write' | 'action.update'
  | 'profile.read' | 'profile.write'
  | 'media.read' | 'media.write'
  | 'webhook.read' | 'webhook.write' | 'webhook.remove' | 'webhook.update'
  | 'tenantdata.read' | 'tenantdata.write' | 'tenantdata.remove'
  | 'reaction.read' | 'reaction.write';

/** What the client holds for its connection — never a token or the secret. */
export interface TokenInfo {
  connection: string;
  applicationId: string;
  /** The user's endpoint URL, once an access token was minted. */
  endpointUrl: string | null;
  /** Epoch milliseconds. */
  accessTokenExpiry: number | null;
  /** Epoch milliseconds, when known. */
  refreshTokenExpiry: number | null;
  /** The granted scopes (strings outside {@link Scope} are passed through). */
  scopes: Array<Scope | (string & {})>;
  hasRefreshToken: boolean;
  /** Holds a refresh token, a valid access token, or a token provider. */
  signedIn: boolean;
}

/** The answer of `loginWithPin` (the refresh token itself is kept, not returned). */
export interface SignInResult {
  /** Comma-separated scopes, as the platform sends them. */
  grantedScope?: string;
  /** The same, as a list. */
  scopes?: string[];
  /** Epoch milliseconds. */
  refreshTokenExpiry?: number | null;
  /** Epoch milliseconds, after an OAuth code exchange. */
  accessTokenExpiry?: number | null;
  endpointUrl?: string | null;
}

/** An access-token body (`botAccessToken`). */
export interface AccessTokenResult {
  accessToken: string;
  endpointUrl: string;
  accessTokenExpiry: number | string;
  refreshToken?: string | null;
  scope?: string | null;
}

// ─── Groups ─────────────────────────────────────────────────────────────────────────────────────

export type GroupType = 'Group' | 'ConnectGroup';
export type Role = 'Admin' | 'Member';

export interface Group {
  groupId: string;
  groupName: string;
  groupImageUrl?: string | null;
  hasSubGroups?: boolean;
  hasParentGroups?: boolean;
  /** An organisation group. */
  isMappedToTenant?: boolean;
  groupType?: GroupType | (string & {});
  /** Users in the whole hierarchy. */
  userCount?: number;
  currentLevelUserCount?: number;
  callerRole?: Role | (string & {});
  currentLevelSubGroupCount?: number;
  currentLevelParentGroupCount?: number;
  /** Distinct users in the whole hierarchy (with `showDetail` and in `getGroup`). */
  uniqueUserCount?: number;
  /** Members of the group itself who have not used Kaizala yet. */
  currentLevelUnProvisionedUserCount?: number;
  /** Users in the whole hierarchy who have not used Kaizala yet. */
  unProvisionedUserCount?: number;
  isDuplicate?: boolean;
  /** The caller administers the group. */
  isEditable?: boolean;
  isDetailsReadable?: boolean;
  welcomeMessage?: string;
  /** In `listSubGroups` answers: the next level, each with its own `subGroups` under `fetchAllGroups`. */
  subGroups?: Group[];
}

export interface CreateGroupOptions {
  name: string;
  welcomeMessage: string;
  /** E.164 phone numbers, e.g. `+911099999999`. */
  members?: string[];
  /** `ConnectGroup` makes a managed public group. */
  groupType?: GroupType;
}
export interface CreateGroupResult {
  groupName: string;
  groupId: string;
  /** `true` when every listed number was added. */
  membersAdded: boolean;
}

export interface ListGroupsOptions {
  showDetail?: boolean;
  fetchAllGroups?: boolean;
}
export interface GroupList {
  groups: Group[];
}

export interface CreateSubGroupOptions {
  groupName: string;
  welcomeMessage: string;
  groupImageUrl?: string;
  members?: string[];
  addUserToGroup?: boolean;
}
export interface CreateSubGroupResult {
  groupId: string;
  groupName: string;
}
export interface ListSubGroupsOptions {
  /** The whole hierarchy, not only the next level. */
  fetchAllGroups?: boolean;
}

/** `{result: true}` when the call did all it was asked. */
export interface ResultAnswer {
  result: boolean;
}

// ─── Members and subscribers ────────────────────────────────────────────────────────────────────

export interface Member {
  id: string;
  role: Role | (string & {});
  mobileNumber: string;
  isProvisioned: boolean;
  name?: string;
}
export interface MemberList {
  members: Member[];
}

export interface Subscriber {
  id: string;
  mobileNumber: string;
  name?: string;
  profilePic?: string | null;
  isProvisioned?: boolean;
}
export interface ListSubscribersOptions {
  /** From a previous page's `cursor`. */
  cursor?: string;
  /** At most 50 (the default). */
  count?: number;
}
export interface SubscriberPage {
  subscribers: Subscriber[];
  /** Present only when there is a next page. */
  cursor?: string;
}
export interface SubscribersAdded {
  result: Record<string, { isAdded: boolean; reason?: string }>;
}
export interface SubscribersRemoved {
  result: Record<string, { isRemoved: boolean; reason?: string }>;
}

// ─── Messages ───────────────────────────────────────────────────────────────────────────────────

export interface SendMessageOptions {
  /** At most 4,000 characters. */
  message: string;
  /** Public groups: send to every subscriber (the caller must be the group's admin). */
  sendToAllSubscribers?: boolean;
  /** Public groups: send to these subscribers. */
  subscribers?: string[];
}
/** A listed number a message or action to subscribers did not reach. */
export interface FailedRecipient {
  subscriber: string;
  subscriberId?: string | null;
  errorReason?: string;
  errorCode?: string;
}
export interface ReferenceResult {
  referenceId: string;
  /** Sent to listed subscribers: the numbers that are not subscribers (the others got it). */
  failedResult?: FailedRecipient[];
}

export interface ListMessagesOptions {
  /** Epoch milliseconds. */
  fromDate?: number;
  count?: number;
}
export interface Message {
  referenceId: string;
  text: string;
  /** The sender's id or phone number. */
  sender: string;
  senderName?: string;
  /** ISO 8601. */
  sentAt: string;
}
export interface MessagePage {
  messages: Message[];
  hasMore: boolean;
}

// ─── Media ──────────────────────────────────────────────────────────────────────────────────────

/** What `uploadMedia` accepts (a Node `Buffer` is a `Uint8Array`). */
export type MediaData = Blob | ArrayBuffer | ArrayBufferView;
export interface UploadMediaOptions {
  /** The MIME type is taken from its extension when `mimeType` is not given. */
  fileName: string;
  mimeType?: string;
}
export interface MediaResult {
  /** An opaque string to use in action bodies. */
  mediaResource: string;
}

// ─── Actions ────────────────────────────────────────────────────────────────────────────────────

export type ActionType =
  | 'Image' | 'Album' | 'Audio' | 'Document' | 'Video' | 'Announcement' | 'Job' | 'Poll'
  | 'LetsMeet' | 'Survey' | 'PhotoWithLocation' | 'ShareLocation';

export type QuestionType =
  | 'SingleOption' | 'MultiOption' | 'Text' | 'Image' | 'Numeric' | 'Date' | 'DateTime'
  | 'Location' | 'AttachmentList';

export interface Question {
  title: string;
  type: QuestionType;
  isInvisible?: boolean;
  /** Required for `SingleOption` and `MultiOption`. */
  options?: Array<{ title: string }>;
}

export interface Place {
  latitude: number;
  longitude: number;
  name?: string;
}

/** A package sent to a public group's subscribers. */
export interface SubscriberDelivery {
  subscribers?: string[];
  sendToAllSubscribers?: boolean;
}

export interface JobBody {
  title: string;
  /** E.164 phone numbers. */
  assignedTo: string[];
  /** Hours; default 24. */
  dueDate?: number;
}
export interface PollBody {
  question: string;
  /** `image`: a `mediaResource`. */
  choices: Array<{ title: string; image?: string }>;
  /** Default 720. */
  expiryInHours?: number;
  /** Only the sender sees the results. */
  isSenderOnly?: boolean;
}
export interface SurveyBody {
  title: string;
  questions: Question[];
  /** Hours. */
  dueDate?: number;
  isAnonymous?: boolean;
  isSenderOnly?: boolean;
  acceptMultipleResponses?: boolean;
}
export interface LetsMeetBody {
  title: string;
  /** ISO 8601. */
  startingTime: string;
  /** Minutes; default 30. */
  duration?: number;
  place?: Place;
  agenda?: string;
  isSenderOnly?: boolean;
}
export interface AnnouncementBody {
  /** Default: `Sent by <your name>`. */
  title?: string;
  message: string;
  mediaResources?: string[];
}
export interface MediaBody {
  mediaResource: string;
  caption?: string;
}
export type CustomPropertyType =
  | 'Text' | 'Numeric' | 'Location' | 'DateTime' | 'StringList' | 'Attachment' | 'StringSet'
  | 'AttachmentList';
export interface CustomActionBody extends Partial<SurveyBody> {
  properties?: Array<{ name: string; type: CustomPropertyType; value: string | number | boolean | string[] }>;
  /** For a package sent to subscribers. */
  validity?: number;
}

export type ActionBody =
  | JobBody | PollBody | SurveyBody | LetsMeetBody | AnnouncementBody | MediaBody | CustomActionBody;

/** `postAction`: either a built-in `actionType` or a custom package's `id`. */
export type PostActionOptions = SubscriberDelivery &
  ({ actionType: ActionType; id?: never; actionBody: ActionBody } | { id: string; actionType?: never; actionBody: CustomActionBody });

export interface PostActionResult {
  referenceId: string;
  actionId?: string;
  /** Sent to listed subscribers: the numbers that are not subscribers (the others got it). */
  failedResult?: FailedRecipient[];
}

export type PostJobOptions = JobBody & SubscriberDelivery;
export type PostPollOptions = PollBody & SubscriberDelivery;
export type PostSurveyOptions = SurveyBody & SubscriberDelivery;
export type PostLetsMeetOptions = LetsMeetBody & SubscriberDelivery;
export type PostAnnouncementOptions = AnnouncementBody & SubscriberDelivery;
export interface PostMediaOptions extends SubscriberDelivery {
  mediaResource: string;
  caption?: string;
  /** Picks `actionType` when it is not given (`image/*` → Image, …). */
  mimeType?: string;
  actionType?: 'Image' | 'Album' | 'Audio' | 'Document' | 'Video';
}

export interface ListActionsOptions {
  actionType?: ActionType;
  /** Epoch milliseconds. */
  fromDate?: number;
  /** Default 30. */
  count?: number;
}

/**
 * An action's summary as listed (`actionBody`), per type as the platform's reference shows it:
 * a job's `actionId`, `title`, `assigneeCount`, `responseCount`, `isCompleted` (and `dueDate`,
 * `assignedTo`); a poll's `actionId`, `question`, `isSenderOnly`, `expiryDate`, `choices`; a
 * meeting's `actionId`, `title`, `startingTime`, `agenda`, `duration`, `isSenderOnly`, `place`; a
 * survey's `actionId`, `title`, `responseCount`, `expiryDate` (and its `questions`); a picture's
 * `imageUrl`. Field spellings are normalised.
 */
export interface ReadActionBody {
  actionId?: string;
  title?: string;
  question?: string;
  message?: string;
  caption?: string;
  mediaResource?: string;
  mediaResources?: string[];
  /** Media actions: where the file is. */
  mediaUrl?: string;
  /** Pictures. */
  imageUrl?: string;
  /** Polls; `image` is a URL. */
  choices?: Array<{ title: string; image?: string }>;
  questions?: Question[];
  /** Jobs: E.164 numbers. */
  assignedTo?: string[];
  /** Jobs: how many are assigned. */
  assigneeCount?: number;
  /** Jobs: assignees who marked it done; polls, meetings, surveys: people who responded. */
  responseCount?: number;
  /** Jobs: every assignee is done. */
  isCompleted?: boolean;
  /** Jobs: when it falls due (ISO 8601). */
  dueDate?: string;
  /** Polls and surveys: when responses stop (ISO 8601). */
  expiryDate?: string;
  isSenderOnly?: boolean;
  isAnonymous?: boolean;
  acceptMultipleResponses?: boolean;
  /** ISO 8601. */
  startingTime?: string;
  /** Minutes. */
  duration?: number;
  agenda?: string;
  place?: Place;
  latitude?: number;
  longitude?: number;
  [field: string]: unknown;
}

export interface Action {
  referenceId: string;
  actionId?: string;
  actionType: ActionType | (string & {});
  sender: string;
  senderName?: string;
  /** ISO 8601. */
  sentAt: string;
  actionBody: ReadActionBody;
}
export interface ActionPage {
  /** Oldest first. */
  actions: Action[];
  hasMore: boolean;
}

export interface GetActionOptions {
  /** Include responses (survey, job, poll, meeting, package), results (poll, meeting) and a job's assignees. */
  getDetails?: boolean;
}
export interface ActionResponse {
  responseId: string;
  responder?: string;
  responderName?: string;
  answers?: Answer[];
  isCompleted?: boolean;
  [field: string]: unknown;
}
/** `actionDetails`: the listing's summary, a job's `status`, and with `getDetails` the drill-down. */
export interface ActionDetails extends ReadActionBody {
  /** Jobs: every assignee is done. */
  status?: boolean;
  responses?: ActionResponse[];
  /** Polls and meetings. */
  results?: Array<{ title: string; count: number }>;
  /** Jobs, with `getDetails`. */
  assignees?: Array<{ assignee: string; assigneeName?: string; isCompleted: boolean; responseId?: string; responseTime?: string }>;
}
export interface ActionInfo {
  actionType: ActionType | (string & {});
  actionDetails: ActionDetails;
  sender: string;
  /** ISO 8601. */
  sentAt: string;
}

/** One answer per question, by index. */
export type Answer =
  | string
  | string[]
  | number
  | { lt: number; lg: number; n?: string };

export interface ResponseBody {
  /** Polls: the chosen choice titles; surveys and packages: one answer per question. */
  answers?: Answer[];
  /** Jobs. */
  isCompleted?: boolean;
  responseName?: string;
  responseLocation?: Place;
}
export type RespondOptions = {
  /** Edit an earlier response. */
  responseId?: string;
  actionBody: ResponseBody;
  /** The action's questions, to check the answers before sending. */
  questions?: Question[];
} & ({ actionType: ActionType; id?: never } | { id: string; actionType?: never });
export interface RespondResult {
  responseId: string;
}

// ─── Reactions ──────────────────────────────────────────────────────────────────────────────────

export type ReactionType = 'Like' | 'Comment';
export interface AddReactionOptions {
  referenceId: string;
  /** Default: the group itself. */
  sourceGroupId?: string;
  reactionType: ReactionType;
  comment?: string;
}
export interface ReactionResult {
  reactionId: string;
}
export interface ReactionSummaryOptions {
  sourceGroupId?: string;
}
export interface ReactionSummaryEntry {
  referenceId: string;
  reactionsCountMap: { like: number; comment: number };
}
export interface ReactionSummary {
  summary: ReactionSummaryEntry[];
}
export interface GroupReactionSummaryOptions {
  sourceGroupId?: string;
  /** From a previous page (a timestamp; default 0). */
  cursor?: string | number;
}
export interface GroupReactionSummaryPage {
  summary: ReactionSummaryEntry[];
  cursor?: string | number | null;
}
export interface ReactionDetailsOptions {
  sourceGroupId?: string;
  reactionType?: ReactionType;
  cursor?: string | number;
}
export interface ReactionDetail {
  reactionId: string;
  userId: string;
  lastModifiedTime: string | number;
  reactionType?: ReactionType;
  comment?: string;
}
export interface ReactionDetailsPage {
  reactionDetails: ReactionDetail[];
  cursor?: string | number | null;
}

// ─── Webhooks ───────────────────────────────────────────────────────────────────────────────────

export type WebhookObjectType = 'Group' | 'Action' | 'ActionPackage';
export type WebhookEventType =
  | 'ActionCreated' | 'ActionResponse' | 'SurveyCreated' | 'JobCreated' | 'SurveyResponse'
  | 'JobResponse' | 'TextMessageCreated' | 'AttachmentCreated' | 'Announcement' | 'MemberAdded'
  | 'MemberRemoved' | 'GroupAdded' | 'GroupRemoved'
  /** A poll's or meeting's own events, sent instead of `ActionCreated`/`ActionResponse` to a webhook that asked for them. */
  | 'PollCreated' | 'PollResponse' | 'LetsMeetCreated' | 'LetsMeetResponse';

/** JSON data the platform hands back as it was given. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

export interface CreateWebhookOptions {
  objectId: string;
  objectType: WebhookObjectType;
  eventTypes: WebhookEventType[];
  /** Must echo `validationToken` within 5 s when registering. */
  callBackUrl: string;
  /** Sent back as header `kz-callback-token` with each event. */
  callBackToken?: string;
  /** Sent back as `context` with each event, and listed with the webhook. */
  callBackContext?: JsonValue;
  /** When it stops, in epoch milliseconds; default two years from now. */
  validity?: number;
}
export interface UpdateWebhookOptions extends Partial<CreateWebhookOptions> {
  /** `true` re-enables a webhook disabled after failed deliveries. */
  active?: boolean;
}
export interface ListWebhooksOptions {
  objectId?: string;
  objectType?: WebhookObjectType;
}
export interface Webhook {
  id: string;
  objectId: string;
  objectType: WebhookObjectType;
  events: WebhookEventType[];
  filters?: JsonValue;
  callbackUrl: string;
  /** Only for a caller who may change the webhook. */
  callbackToken?: string | null;
  /** As registered (`null` when none was). */
  callBackContext?: JsonValue;
  /** Registered at, epoch milliseconds. */
  ts?: number | string;
  /** Epoch milliseconds. */
  validity?: number;
  active: boolean;
}
export interface WebhookList {
  webhooks: Webhook[];
}
export interface WebhookResult {
  webhookId: string;
}

/** The headers of a delivery: a fetch `Headers`, `node:http`'s `req.headers`, or any plain object or `Map`. */
export type WebhookHeaders = Headers | Map<string, string> | Record<string, string | string[] | undefined>;

interface WebhookEventBase<T extends WebhookEventType, D> {
  eventType: T;
  /** The same event may arrive twice (at-least-once): de-duplicate by this. */
  eventId: string;
  objectId: string;
  objectType: WebhookObjectType;
  data: D;
  /** The `callBackContext` given at registration. */
  context: JsonValue;
  fromUser: string | null;
  fromUserId: string | null;
  fromUserName: string | null;
  fromUserProfilePic: string | null;
}
export interface WebhookMedia {
  mediaUrl: string;
  mediaFileName?: string;
}
export interface WebhookResponseData {
  actionId: string;
  groupId: string;
  responseId?: string;
  isUpdateResponse?: boolean;
  responder?: string;
  responderName?: string;
  responderProfilePic?: string;
  isAnonymous?: boolean;
  /** A picture answer reads `{mediaUrl, mediaFileName}`, an attachment list a list of them. */
  responseDetails?: { responseWithQuestions?: { title: string; type: string; options?: JsonValue; answer: JsonValue; isInvisible?: boolean }[] };
}
/** A webhook event, told apart by `eventType` (media items always as `mediaUrl`/`mediaFileName`). */
export type WebhookEvent =
  | WebhookEventBase<'TextMessageCreated', { text: string }>
  | WebhookEventBase<'AttachmentCreated', { media: WebhookMedia[]; actionType?: string; caption?: string }>
  | WebhookEventBase<'Announcement', { title: string; text?: string; media?: WebhookMedia[] }>
  | WebhookEventBase<'JobCreated', { actionId: string; groupId: string; title?: string; /** ISO 8601. */ dueDate?: string; assignedTo?: string[] }>
  | WebhookEventBase<'JobResponse', { actionId: string; groupId: string; responseId?: string; responseDetails?: { response?: { assignee?: string; assigneeName?: string; assigneeProfilePic?: string; isCompleted?: boolean } } }>
  | WebhookEventBase<'SurveyCreated' | 'ActionCreated' | 'SurveyResponse' | 'ActionResponse' | 'PollCreated' | 'PollResponse' | 'LetsMeetCreated' | 'LetsMeetResponse', WebhookResponseData>
  | WebhookEventBase<'MemberAdded' | 'MemberRemoved', { member: string; memberName?: string; type?: string; memberProfilePic?: string }>
  | WebhookEventBase<'GroupAdded' | 'GroupRemoved', { groupId: string; groupName?: string }>;

/** The `validationToken` of the platform's validation GET (answer it as the plain-text body), or `null` when the request is not one. Takes `req.url` or an absolute URL. */
export function webhookValidationToken(url: string): string | null;
/** Whether a delivery carries the registered `kz-callback-token` (compared in constant time). */
export function verifyWebhook(headers: WebhookHeaders, callBackToken: string): boolean;
/** A delivery's body (text, bytes or the parsed object) as a checked event; throws `KaizalaError` (`invalid_input`, naming the field) for anything else. */
export function parseWebhookEvent(body: string | Uint8Array | ArrayBuffer | object): WebhookEvent;

// ─── Member uploads and exports ─────────────────────────────────────────────────────────────────

export interface ImportProgress {
  /** Rows settled so far (added, already members, repeated or failed). */
  done: number;
  /** Rows in the file (the header and empty lines not counted). */
  total: number;
  failed: number;
}
export interface ImportMembersOptions extends CallOptions {
  /** Called after the file is read and after each batch. */
  onProgress?: (progress: ImportProgress) => void;
  /** Numbers per `addMembers` call, 1–1000; default 100. */
  batchSize?: number;
  /**
   * The most rows the file may hold (the header and blank lines not counted); default 100,000. A
   * longer file is refused with `too_large` (field `csv`) before anything is sent.
   */
  maxRows?: number;
  /** The name kept in the record; default the File's name, else `members.csv`. */
  fileName?: string;
}
export interface UploadError {
  /** The record's place in the file, the header being row 1. */
  row: number;
  /** As written in the file (its first 64 characters). */
  mobileNumber: string;
  reason: string;
}
export interface ImportedMember {
  row: number;
  /** In E.164. */
  mobileNumber: string;
  name: string | null;
  /** The file's other columns, by header. */
  attributes: Record<string, string>;
  outcome: 'added' | 'alreadyMember' | 'duplicate' | 'failed';
}
/** An upload's history row, shaped like the management portal's bulk-upload history. */
export interface UploadRecord {
  groupId: string;
  fileName: string;
  startedAt: string;
  completedAt: string;
  status: 'Completed' | 'CompletedWithErrors' | 'Failed';
  total: number;
  added: number;
  /** Numbers already in the group (not errors: running a file again is safe). */
  alreadyMembers: number;
  /** Rows repeating a number of an earlier row. */
  duplicates: number;
  failed: number;
  /** The errors of the first 1,000 rows with one, in row order. */
  errors: UploadError[];
  /** Errors not in `errors` (`failed` counts them all). */
  errorsOmitted: number;
  /** `errors` as CSV text: `row,mobileNumber,reason`; cells a spreadsheet would run as a formula get a leading `'`. */
  errorLogCsv: string;
  /** The first 1,000 rows with a usable number. */
  members: ImportedMember[];
  /** Rows with a usable number not in `members`. */
  membersOmitted: number;
}

// ─── Users and bots ─────────────────────────────────────────────────────────────────────────────

export interface Profile {
  id: string;
  mobileNumber: string;
  name: string;
  profilePic?: string | null;
}
export interface CreateBotOptions {
  name: string;
  profilePic?: string;
}
export type UpdateBotOptions = Partial<CreateBotOptions>;
export interface Bot {
  botUserId: string;
  name: string;
  profilePic?: string | null;
  tenantId?: string;
  creatorId?: string;
  creator?: string;
  creatorName?: string;
  creatorProfilePic?: string | null;
  status?: string;
}
export interface BotList {
  bots: Bot[];
}

// ─── Raw requests ───────────────────────────────────────────────────────────────────────────────

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';
export interface RawRequestOptions extends CallOptions {
  query?: Record<string, string | number | boolean>;
  body?: JsonValue;
}

export type PagedOperation = 'listSubscribers' | 'listActions' | 'groupReactionSummary' | 'reactionDetails';

/** Options of the async iterators (`subscribers`, `actions`, `groupReactions`, `reactions`). */
export interface PagingOptions extends CallOptions {
  /**
   * The most pages fetched; default 10,000. A server that still has more after them, or that
   * hands back a cursor it already gave, ends the loop with code `invalid_response`.
   */
  maxPages?: number;
}

// ─── The client ─────────────────────────────────────────────────────────────────────────────────

export class KaizalaClient {
  /** Throws a {@link KaizalaError} (`invalid_input`) at once for bad options. */
  constructor(options: KaizalaClientOptions);
  /** Frees the wasm memory the client holds (it is also freed when the client is garbage-collected). */
  free(): void;

  // Sign-in
  /** Sends a one-time PIN by SMS to an E.164 number. */
  generatePin(mobileNumber: string, options?: CallOptions): Promise<Record<string, never>>;
  /** Signs in with the PIN; keeps the refresh token. */
  loginWithPin(mobileNumber: string, pin: string | number, options?: CallOptions): Promise<SignInResult>;
  /** The OAuth page to send the user to; `state` is kept and checked by `completeAuthorization`. */
  authorizeUrl(redirectUri: string, state?: string): string;
  /** Exchanges the code (or the whole redirect URL) for tokens. */
  completeAuthorization(codeOrRedirectUrl: string, options?: CallOptions): Promise<TokenInfo>;
  /** A valid access token, minted or refreshed as needed (one request however many callers wait). */
  accessToken(options?: CallOptions): Promise<string>;
  tokenInfo(): TokenInfo;
  /** Forgets this connection's tokens, here and in storage. */
  logout(): void;

  // Groups
  createGroup(options: CreateGroupOptions, call?: CallOptions): Promise<CreateGroupResult>;
  listGroups(options?: ListGroupsOptions & CallOptions, call?: CallOptions): Promise<GroupList>;
  getGroup(groupId: string, options?: CallOptions): Promise<GroupList>;
  createSubGroup(groupId: string, options: CreateSubGroupOptions, call?: CallOptions): Promise<CreateSubGroupResult>;
  addSubGroups(groupId: string, subGroupIds: string[], options?: CallOptions): Promise<ResultAnswer>;
  /** `{groups: [the group with its subGroups]}`, as the platform's reference answers it. */
  listSubGroups(groupId: string, options?: ListSubGroupsOptions & CallOptions, call?: CallOptions): Promise<GroupList>;
  removeSubGroup(groupId: string, subGroupId: string, options?: CallOptions): Promise<ResultAnswer>;

  // Members and subscribers
  addMembers(groupId: string, mobileNumbers: string[], options?: CallOptions): Promise<ResultAnswer>;
  listMembers(groupId: string, options?: CallOptions): Promise<MemberList>;
  /** By member id or E.164 number. */
  removeMember(groupId: string, memberIdOrPhone: string, options?: CallOptions): Promise<ResultAnswer>;
  addSubscribers(groupId: string, mobileNumbers: string[], options?: CallOptions): Promise<SubscribersAdded>;
  listSubscribers(groupId: string, options?: ListSubscribersOptions & CallOptions, call?: CallOptions): Promise<SubscriberPage>;
  removeSubscribers(groupId: string, mobileNumbers: string[], options?: CallOptions): Promise<SubscribersRemoved>;
  /** Every subscriber of a public group, fetching page after page. */
  subscribers(groupId: string, options?: Omit<ListSubscribersOptions, 'cursor'> & PagingOptions): AsyncIterableIterator<Subscriber>;

  // Messages
  sendMessage(groupId: string, message: string | SendMessageOptions, options?: CallOptions): Promise<ReferenceResult>;
  /** The group's messages (an emulator extension; not on the retired platform). */
  listMessages(groupId: string, options?: ListMessagesOptions & CallOptions, call?: CallOptions): Promise<MessagePage>;

  // Media
  uploadMedia(data: MediaData, options: UploadMediaOptions & CallOptions, call?: CallOptions): Promise<MediaResult>;
  /** The platform fetches the file itself. */
  uploadMediaFromUrl(url: string, options?: CallOptions): Promise<MediaResult>;

  // Actions
  postAction(groupId: string, options: PostActionOptions, call?: CallOptions): Promise<PostActionResult>;
  postJob(groupId: string, options: PostJobOptions, call?: CallOptions): Promise<PostActionResult>;
  postPoll(groupId: string, options: PostPollOptions, call?: CallOptions): Promise<PostActionResult>;
  postSurvey(groupId: string, options: PostSurveyOptions, call?: CallOptions): Promise<PostActionResult>;
  postLetsMeet(groupId: string, options: PostLetsMeetOptions, call?: CallOptions): Promise<PostActionResult>;
  postAnnouncement(groupId: string, options: PostAnnouncementOptions, call?: CallOptions): Promise<PostActionResult>;
  postMedia(groupId: string, options: PostMediaOptions, call?: CallOptions): Promise<PostActionResult>;
  postCustomAction(groupId: string, packageId: string, actionBody: CustomActionBody, options?: CallOptions): Promise<PostActionResult>;
  listActions(groupId: string, options?: ListActionsOptions & CallOptions, call?: CallOptions): Promise<ActionPage>;
  /** Every action of a group, oldest first, fetching page after page. */
  actions(groupId: string, options?: Omit<ListActionsOptions, 'fromDate'> & { fromDate?: number } & PagingOptions): AsyncIterableIterator<Action>;
  getAction(groupId: string, actionId: string, options?: GetActionOptions & CallOptions, call?: CallOptions): Promise<ActionInfo>;
  respondToAction(groupId: string, actionId: string, options: RespondOptions, call?: CallOptions): Promise<RespondResult>;

  // Reactions
  addReaction(groupId: string, options: AddReactionOptions, call?: CallOptions): Promise<ReactionResult>;
  reactionSummary(groupId: string, referenceId: string, options?: ReactionSummaryOptions & CallOptions, call?: CallOptions): Promise<ReactionSummary>;
  groupReactionSummary(groupId: string, options?: GroupReactionSummaryOptions & CallOptions, call?: CallOptions): Promise<GroupReactionSummaryPage>;
  reactionDetails(groupId: string, referenceId: string, options?: ReactionDetailsOptions & CallOptions, call?: CallOptions): Promise<ReactionDetailsPage>;
  /** The reaction summary of every message and action in the group, page after page. */
  groupReactions(groupId: string, options?: Omit<GroupReactionSummaryOptions, 'cursor'> & PagingOptions): AsyncIterableIterator<ReactionSummaryEntry>;
  /** Every reaction to one message or action, page after page. */
  reactions(groupId: string, referenceId: string, options?: Omit<ReactionDetailsOptions, 'cursor'> & PagingOptions): AsyncIterableIterator<ReactionDetail>;

  // Webhooks
  createWebhook(options: CreateWebhookOptions, call?: CallOptions): Promise<WebhookResult>;
  listWebhooks(options?: ListWebhooksOptions & CallOptions, call?: CallOptions): Promise<WebhookList>;
  updateWebhook(webhookId: string, options: UpdateWebhookOptions, call?: CallOptions): Promise<ResultAnswer>;
  deleteWebhook(webhookId: string, options?: CallOptions): Promise<ResultAnswer>;

  // Users and bots
  me(options?: CallOptions): Promise<Profile>;
  createBot(options: CreateBotOptions, call?: CallOptions): Promise<Bot>;
  listBots(options?: CallOptions): Promise<BotList>;
  updateBot(botUserId: string, options: UpdateBotOptions, call?: CallOptions): Promise<ResultAnswer>;
  deleteBot(botUserId: string, options?: CallOptions): Promise<ResultAnswer>;
  botAccessToken(botUserId: string, options?: CallOptions): Promise<AccessTokenResult>;
  addBotToGroup(groupId: string, botUserId: string, options?: CallOptions): Promise<ResultAnswer>;

  // Organisation workflows
  /**
   * Adds the members of a CSV file (text or a Blob/File with a header row naming a mobile-number
   * column) to a group in batches; bad rows go to the error log, repeated numbers are dropped,
   * numbers already in the group are skipped.
   */
  importMembers(groupId: string, csv: string | Blob, options?: ImportMembersOptions): Promise<UploadRecord>;
  /** Every member as CSV text (`id,mobileNumber,role,isProvisioned`, then any other fields). */
  exportMembers(groupId: string, options?: CallOptions): Promise<string>;
  /** Every subscriber of a public group, all pages, as CSV text. */
  exportSubscribers(groupId: string, options?: CallOptions): Promise<string>;
  /** The connections held in `storage` (default localStorage), sorted by name. */
  static connections(storage?: 'local' | 'session' | ListableStorage): Connection[];
  /** Forgets connection `name` (its tokens for every connector); returns how many entries went. */
  static removeConnection(name: string, storage?: 'local' | 'session' | ListableStorage): number;

  // Anything else
  /**
   * A call through the same token, retry and relocation pipeline; `path` is relative to
   * `{endpointUrl}v1/` and percent-encoded. A segment that is empty, `.` or `..` (in any encoding),
   * holds an encoded `/` or `\`, or a character a URL would rewrite is refused (`invalid_input`).
   */
  request(method: HttpMethod, path: string, options?: RawRequestOptions): Promise<JsonValue>;
  /** Where the page after `page` starts, or `undefined` at the end. */
  nextCursor(operation: PagedOperation, page: object): string | undefined;
}

declare const kaizala: {
  KaizalaClient: typeof KaizalaClient;
  KaizalaError: typeof KaizalaError;
  errorCodes: typeof errorCodes;
  webhookValidationToken: typeof webhookValidationToken;
  verifyWebhook: typeof verifyWebhook;
  parseWebhookEvent: typeof parseWebhookEvent;
};
export default kaizala;
