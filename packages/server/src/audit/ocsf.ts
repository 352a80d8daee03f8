import type { SequencedEvent } from './event.ts';

/**
 * OCSF 1.1 events for a SIEM (platform-security §10): each audit action maps to a class and activity;
 * `type_uid = class_uid × 100 + activity_id`, `category_uid` is the class's thousand.
 */
export const OCSF_VERSION = '1.1.0';

interface Mapping {
  readonly classUid: number;
  readonly activityId: number;
  readonly name: string;
}

const AUTHENTICATION = 3002;
const ACCOUNT_CHANGE = 3001;
const ENTITY_MANAGEMENT = 3004;
const USER_ACCESS = 3005;
const API_ACTIVITY = 6003;
const FILE_HOSTING = 6006;
const SCAN_ACTIVITY = 6007;
const COMPLIANCE_FINDING = 2003;

const MAPPINGS: Readonly<Record<string, Mapping>> = {
  'auth.login': { classUid: AUTHENTICATION, activityId: 1, name: 'Logon' },
  logout: { classUid: AUTHENTICATION, activityId: 2, name: 'Logoff' },
  logoutAll: { classUid: AUTHENTICATION, activityId: 2, name: 'Logoff' },
  setup: { classUid: ACCOUNT_CHANGE, activityId: 1, name: 'Create' },
  createUser: { classUid: ACCOUNT_CHANGE, activityId: 1, name: 'Create' },
  changePassword: { classUid: ACCOUNT_CHANGE, activityId: 3, name: 'Password Change' },
  disableUser: { classUid: ACCOUNT_CHANGE, activityId: 5, name: 'Disable' },
  confirmTotp: { classUid: ACCOUNT_CHANGE, activityId: 10, name: 'MFA Factor Enable' },
  beginTotp: { classUid: ACCOUNT_CHANGE, activityId: 99, name: 'Other' },
  createToken: { classUid: ACCOUNT_CHANGE, activityId: 99, name: 'Other' },
  generateRecoveryCodes: { classUid: ACCOUNT_CHANGE, activityId: 99, name: 'Other' },
  revokeToken: { classUid: ACCOUNT_CHANGE, activityId: 99, name: 'Other' },
  grantRole: { classUid: USER_ACCESS, activityId: 1, name: 'Assign Privileges' },
  revokeRole: { classUid: USER_ACCESS, activityId: 2, name: 'Revoke Privileges' },
  createProject: { classUid: ENTITY_MANAGEMENT, activityId: 1, name: 'Create' },
  createModel: { classUid: ENTITY_MANAGEMENT, activityId: 1, name: 'Create' },
  createDataset: { classUid: ENTITY_MANAGEMENT, activityId: 1, name: 'Create' },
  registerModelVersion: { classUid: ENTITY_MANAGEMENT, activityId: 1, name: 'Create' },
  registerDatasetVersion: { classUid: ENTITY_MANAGEMENT, activityId: 1, name: 'Create' },
  moveModelAlias: { classUid: ENTITY_MANAGEMENT, activityId: 3, name: 'Update' },
  moveDatasetAlias: { classUid: ENTITY_MANAGEMENT, activityId: 3, name: 'Update' },
  uploadModelVersion: { classUid: FILE_HOSTING, activityId: 1, name: 'Upload' },
  uploadDatasetVersion: { classUid: FILE_HOSTING, activityId: 1, name: 'Upload' },
  createJob: { classUid: SCAN_ACTIVITY, activityId: 1, name: 'Started' },
  'job.succeeded': { classUid: SCAN_ACTIVITY, activityId: 2, name: 'Completed' },
  'job.failed': { classUid: SCAN_ACTIVITY, activityId: 6, name: 'Error' },
  'audit.export': { classUid: API_ACTIVITY, activityId: 2, name: 'Read' },
  'gate.denied': { classUid: COMPLIANCE_FINDING, activityId: 1, name: 'Create' },
  createWebhook: { classUid: ENTITY_MANAGEMENT, activityId: 1, name: 'Create' },
  addModelEvidence: { classUid: ENTITY_MANAGEMENT, activityId: 1, name: 'Create' },
  addDatasetEvidence: { classUid: ENTITY_MANAGEMENT, activityId: 1, name: 'Create' },
  deleteWebhook: { classUid: ENTITY_MANAGEMENT, activityId: 4, name: 'Delete' },
};

const API_ACTIVITY_BY_METHOD: Readonly<Record<string, number>> = { POST: 1, GET: 2, PUT: 3, DELETE: 4 };

const CLASS_NAMES: Readonly<Record<number, string>> = {
  [AUTHENTICATION]: 'Authentication',
  [ACCOUNT_CHANGE]: 'Account Change',
  [ENTITY_MANAGEMENT]: 'Entity Management',
  [USER_ACCESS]: 'User Access Management',
  [API_ACTIVITY]: 'API Activity',
  [FILE_HOSTING]: 'File Hosting Activity',
  [SCAN_ACTIVITY]: 'Scan Activity',
  [COMPLIANCE_FINDING]: 'Compliance Finding',
};

function mappingOf(event: SequencedEvent): Mapping {
  const known = MAPPINGS[event.action];
  if (known !== undefined) return known;
  // Denied requests and anything unmapped are API activity on the route they called.
  const activityId = API_ACTIVITY_BY_METHOD[event.request?.method ?? ''] ?? 99;
  return {
    classUid: API_ACTIVITY,
    activityId,
    name: activityId === 99 ? 'Other' : (event.request?.method ?? 'Other'),
  };
}

export function toOcsf(event: SequencedEvent, productVersion: string): Record<string, unknown> {
  const mapping = mappingOf(event);
  const failed = event.outcome === 'failure';
  return {
    class_uid: mapping.classUid,
    class_name: CLASS_NAMES[mapping.classUid],
    category_uid: Math.floor(mapping.classUid / 1000),
    activity_id: mapping.activityId,
    activity_name: mapping.name,
    type_uid: mapping.classUid * 100 + mapping.activityId,
    time: event.time,
    severity_id: failed ? 3 : 1,
    status_id: failed ? 2 : 1,
    status: failed ? 'Failure' : 'Success',
    ...(event.reason ? { status_detail: event.reason } : {}),
    message: `${event.action} ${event.outcome}${event.object ? ` ${event.object.type} ${event.object.id}` : ''}`,
    metadata: {
      version: OCSF_VERSION,
      product: { name: 'Palisade', vendor_name: 'Palisade', version: productVersion },
      uid: String(event.seq),
      ...(event.request ? { correlation_uid: event.request.id } : {}),
    },
    actor: {
      user: {
        ...(event.actor.userId ? { uid: event.actor.userId } : {}),
        ...(event.actor.username ? { name: event.actor.username } : {}),
      },
      ...(event.actor.tokenId
        ? { authorizations: [{ decision: 'token', policy: { uid: event.actor.tokenId } }] }
        : {}),
    },
    ...(event.actor.ip ? { src_endpoint: { ip: event.actor.ip } } : {}),
    ...(event.request
      ? {
          http_request: { http_method: event.request.method, url: { path: event.request.route } },
          http_response: { code: event.request.status },
        }
      : {}),
    unmapped: {
      action: event.action,
      ...(event.object ? { object: event.object } : {}),
      ...(event.details ? { details: event.details } : {}),
      ...(event.actor.via ? { auth_via: event.actor.via } : {}),
    },
  };
}
