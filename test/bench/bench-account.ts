/** The account both webhook servers are configured with in the benchmark (safe mode). */
export const benchAccount = {
  id: 'bench',
  name: 'Benchmark account',
  appId: 'wxbe0c000000000001',
  appSecret: 'bench-secret-not-used',
  token: 'benchtoken',
  encodingAesKey: 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG',
  encryptMode: 'safe',
} as const;

export const benchKeyword = '查话费';
export const benchReplyText = '您的话费余额为 88.88 元 📱';
