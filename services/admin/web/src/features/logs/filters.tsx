/** The message types a search can filter on (WeChat's MsgType values). */
export const messageTypes = ['text', 'image', 'voice', 'video', 'shortvideo', 'location', 'link', 'event'];
