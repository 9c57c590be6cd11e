// The request every variant sends (kept apart from data.mjs so cold-start children stay light).
export const MODEL = "basic";
export const USER = [{ role: "user", content: "Say something long." }];
export const MAX_TOKENS = 1024;
