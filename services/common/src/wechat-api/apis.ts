/**
 * The WeChat APIs the client knows by name (the team's API reference, `api.json`): method,
 * path, how the call is authorised and which flow-control family it belongs to.
 * `auth`: `token` adds the account's shared access_token; `user` expects the caller's
 * web-authorisation token in the query (`sns/*`); `none` takes credentials in its parameters.
 */
export interface ApiSpec {
  readonly method: 'GET' | 'POST';
  readonly path: string;
  readonly auth: 'token' | 'user' | 'none';
  /** multipart/form-data uploads: not sent by `call` (JSON only). */
  readonly multipart?: true;
  /** The token bucket it takes from (template, customer-service, mass sends). */
  readonly family?: 'template' | 'kefu' | 'mass';
  /**
   * Whether the request may be sent twice (failover after it may have reached a host: a 5xx,
   * a connection lost after sending, a timeout): `true` harmless (a read, setting a value),
   * `'key'` only when its body carries an idempotency key (`client_msg_id`, `clientmsgid`),
   * `false` never (a customer-service message; creating or deleting something). Default: true
   * for a GET or a call without the access_token, false for another POST.
   */
  readonly idempotent?: boolean | 'key';
}

/** Whether a call of `spec` with this body may be sent twice (see {@link ApiSpec.idempotent}). */
export function isRepeatable(spec: ApiSpec, body: unknown): boolean {
  const idempotent = spec.idempotent ?? (spec.method === 'GET' || spec.auth === 'none');
  return idempotent === 'key' ? hasIdempotencyKey(body) : idempotent;
}

function hasIdempotencyKey(body: unknown): boolean {
  if (body === null || typeof body !== 'object') return false;
  const fields = body as { client_msg_id?: unknown; clientmsgid?: unknown };
  return (
    (typeof fields.client_msg_id === 'string' && fields.client_msg_id !== '') ||
    (typeof fields.clientmsgid === 'string' && fields.clientmsgid !== '')
  );
}

export const WECHAT_APIS = {
  getAccessToken: { method: 'GET', path: '/cgi-bin/token', auth: 'none' },
  getStableAccessToken: { method: 'POST', path: '/cgi-bin/stable_token', auth: 'none' },
  sendTemplateMessage: {
    method: 'POST',
    path: '/cgi-bin/message/template/send',
    auth: 'token',
    family: 'template',
    idempotent: 'key',
  },
  sendCustomMessage: {
    method: 'POST',
    path: '/cgi-bin/message/custom/send',
    auth: 'token',
    family: 'kefu',
    idempotent: false,
  },
  createMenu: { method: 'POST', path: '/cgi-bin/menu/create', auth: 'token', idempotent: true },
  getMenu: { method: 'GET', path: '/cgi-bin/menu/get', auth: 'token' },
  deleteMenu: { method: 'GET', path: '/cgi-bin/menu/delete', auth: 'token' },
  addConditionalMenu: { method: 'POST', path: '/cgi-bin/menu/addconditional', auth: 'token' },
  getUserInfo: { method: 'GET', path: '/cgi-bin/user/info', auth: 'token' },
  getFollowers: { method: 'GET', path: '/cgi-bin/user/get', auth: 'token' },
  snsOAuth2AccessToken: { method: 'GET', path: '/sns/oauth2/access_token', auth: 'none' },
  snsUserInfo: { method: 'GET', path: '/sns/userinfo', auth: 'user' },
  snsOAuth2RefreshToken: { method: 'GET', path: '/sns/oauth2/refresh_token', auth: 'none' },
  getJsapiTicket: { method: 'GET', path: '/cgi-bin/ticket/getticket', auth: 'token' },
  massSendByOpenid: {
    method: 'POST',
    path: '/cgi-bin/message/mass/send',
    auth: 'token',
    family: 'mass',
    idempotent: 'key',
  },
  createQRCode: { method: 'POST', path: '/cgi-bin/qrcode/create', auth: 'token', idempotent: true },
  kfAccountAdd: { method: 'POST', path: '/customservice/kfaccount/add', auth: 'token' },
  kfAccountUpdate: { method: 'POST', path: '/customservice/kfaccount/update', auth: 'token', idempotent: true },
  kfAccountDel: { method: 'POST', path: '/customservice/kfaccount/del', auth: 'token' },
  kfAccountUploadHeadImg: {
    method: 'POST',
    path: '/customservice/kfaccount/uploadheadimg',
    auth: 'token',
    multipart: true,
  },
  getKfList: { method: 'GET', path: '/cgi-bin/customservice/getkflist', auth: 'token' },
  setTemplateIndustry: { method: 'POST', path: '/cgi-bin/template/api_set_industry', auth: 'token', idempotent: true },
  getTemplateIndustry: { method: 'GET', path: '/cgi-bin/template/get_industry', auth: 'token' },
  addTemplate: { method: 'POST', path: '/cgi-bin/template/api_add_template', auth: 'token' },
  getAllPrivateTemplates: { method: 'GET', path: '/cgi-bin/template/get_all_private_template', auth: 'token' },
  deletePrivateTemplate: { method: 'POST', path: '/cgi-bin/template/del_private_template', auth: 'token' },
  massSendAll: {
    method: 'POST',
    path: '/cgi-bin/message/mass/sendall',
    auth: 'token',
    family: 'mass',
    idempotent: 'key',
  },
  massPreview: {
    method: 'POST',
    path: '/cgi-bin/message/mass/preview',
    auth: 'token',
    family: 'mass',
    idempotent: false,
  },
  massDelete: { method: 'POST', path: '/cgi-bin/message/mass/delete', auth: 'token' },
  massGetStatus: { method: 'POST', path: '/cgi-bin/message/mass/get', auth: 'token', idempotent: true },
  massGetSpeed: { method: 'POST', path: '/cgi-bin/message/mass/speed/get', auth: 'token', idempotent: true },
  massSetSpeed: { method: 'POST', path: '/cgi-bin/message/mass/speed/set', auth: 'token', idempotent: true },
  createTag: { method: 'POST', path: '/cgi-bin/tags/create', auth: 'token' },
  getTags: { method: 'GET', path: '/cgi-bin/tags/get', auth: 'token' },
  updateTag: { method: 'POST', path: '/cgi-bin/tags/update', auth: 'token', idempotent: true },
  deleteTag: { method: 'POST', path: '/cgi-bin/tags/delete', auth: 'token' },
  batchTagUsers: { method: 'POST', path: '/cgi-bin/tags/members/batchtagging', auth: 'token', idempotent: true },
  batchUntagUsers: { method: 'POST', path: '/cgi-bin/tags/members/batchuntagging', auth: 'token', idempotent: true },
  getUserTagIds: { method: 'POST', path: '/cgi-bin/tags/getidlist', auth: 'token', idempotent: true },
  getTagFans: { method: 'POST', path: '/cgi-bin/user/tag/get', auth: 'token', idempotent: true },
  batchGetUserInfo: { method: 'POST', path: '/cgi-bin/user/info/batchget', auth: 'token', idempotent: true },
  updateUserRemark: { method: 'POST', path: '/cgi-bin/user/info/updateremark', auth: 'token', idempotent: true },
  getBlacklist: { method: 'POST', path: '/cgi-bin/tags/members/getblacklist', auth: 'token', idempotent: true },
  batchBlacklistUsers: {
    method: 'POST',
    path: '/cgi-bin/tags/members/batchblacklist',
    auth: 'token',
    idempotent: true,
  },
  batchUnblacklistUsers: {
    method: 'POST',
    path: '/cgi-bin/tags/members/batchunblacklist',
    auth: 'token',
    idempotent: true,
  },
  deleteConditionalMenu: { method: 'POST', path: '/cgi-bin/menu/delconditional', auth: 'token' },
  tryMatchMenu: { method: 'POST', path: '/cgi-bin/menu/trymatch', auth: 'token', idempotent: true },
  getCurrentSelfmenuInfo: { method: 'GET', path: '/cgi-bin/get_current_selfmenu_info', auth: 'token' },
  kfAccountInviteWorker: { method: 'POST', path: '/customservice/kfaccount/inviteworker', auth: 'token' },
  getOnlineKfList: { method: 'GET', path: '/cgi-bin/customservice/getonlinekflist', auth: 'token' },
  kfSessionCreate: { method: 'POST', path: '/customservice/kfsession/create', auth: 'token' },
  kfSessionClose: { method: 'POST', path: '/customservice/kfsession/close', auth: 'token' },
  kfSessionGet: { method: 'GET', path: '/customservice/kfsession/getsession', auth: 'token' },
  kfSessionGetList: { method: 'GET', path: '/customservice/kfsession/getsessionlist', auth: 'token' },
  kfSessionGetWaitCase: { method: 'GET', path: '/customservice/kfsession/getwaitcase', auth: 'token' },
  kfGetMsgList: { method: 'POST', path: '/customservice/msgrecord/getmsglist', auth: 'token', idempotent: true },
  customTyping: { method: 'POST', path: '/cgi-bin/message/custom/typing', auth: 'token', idempotent: true },
  uploadTempMedia: { method: 'POST', path: '/cgi-bin/media/upload', auth: 'token', multipart: true },
  getTempMedia: { method: 'GET', path: '/cgi-bin/media/get', auth: 'token' },
  uploadArticleImage: { method: 'POST', path: '/cgi-bin/media/uploadimg', auth: 'token', multipart: true },
  getCallbackIp: { method: 'GET', path: '/cgi-bin/getcallbackip', auth: 'token' },
  getApiDomainIp: { method: 'GET', path: '/cgi-bin/get_api_domain_ip', auth: 'token' },
  callbackCheck: { method: 'POST', path: '/cgi-bin/callback/check', auth: 'token', idempotent: true },
  clearQuota: { method: 'POST', path: '/cgi-bin/clear_quota', auth: 'token' },
  clearQuotaByAppSecret: { method: 'POST', path: '/cgi-bin/clear_quota/v2', auth: 'none', idempotent: false },
  getApiQuota: { method: 'POST', path: '/cgi-bin/openapi/quota/get', auth: 'token', idempotent: true },
  getRidInfo: { method: 'POST', path: '/cgi-bin/openapi/rid/get', auth: 'token', idempotent: true },
  snsAuth: { method: 'GET', path: '/sns/auth', auth: 'user' },
  subscribeAddTemplate: { method: 'POST', path: '/wxaapi/newtmpl/addtemplate', auth: 'token' },
  subscribeDeleteTemplate: { method: 'POST', path: '/wxaapi/newtmpl/deltemplate', auth: 'token' },
  subscribeGetCategory: { method: 'GET', path: '/wxaapi/newtmpl/getcategory', auth: 'token' },
  subscribeGetPubTemplateTitles: { method: 'GET', path: '/wxaapi/newtmpl/getpubtemplatetitles', auth: 'token' },
  subscribeGetPubTemplateKeywords: { method: 'GET', path: '/wxaapi/newtmpl/getpubtemplatekeywords', auth: 'token' },
  subscribeGetTemplates: { method: 'GET', path: '/wxaapi/newtmpl/gettemplate', auth: 'token' },
  subscribeBizSend: { method: 'POST', path: '/cgi-bin/message/subscribe/bizsend', auth: 'token', idempotent: false },
  datacubeGetUserSummary: { method: 'POST', path: '/datacube/getusersummary', auth: 'token', idempotent: true },
  datacubeGetUserCumulate: { method: 'POST', path: '/datacube/getusercumulate', auth: 'token', idempotent: true },
  datacubeGetUpstreamMsg: { method: 'POST', path: '/datacube/getupstreammsg', auth: 'token', idempotent: true },
  datacubeGetInterfaceSummary: {
    method: 'POST',
    path: '/datacube/getinterfacesummary',
    auth: 'token',
    idempotent: true,
  },
} as const satisfies Record<string, ApiSpec>;

export type ApiName = keyof typeof WECHAT_APIS;

export function isApiName(name: string): name is ApiName {
  return Object.hasOwn(WECHAT_APIS, name);
}
