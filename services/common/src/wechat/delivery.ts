/**
 * How WeChat delivers a message or event to an account's callback URL: it waits 5 s for an
 * answer and delivers 3 times in all when none comes (the callback contract of the
 * message-push documentation). Senders that act as WeChat use these numbers.
 */
export const wechatDelivery = { timeoutMs: 5000, maxDeliveries: 3 } as const;
