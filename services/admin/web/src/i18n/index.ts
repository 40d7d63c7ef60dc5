import i18next, { type i18n } from 'i18next';
import { initReactI18next } from 'react-i18next';
import en from './en.json';
import zhCN from './zh-CN.json';

// The messages are JSON (a translator's format, and test/browser/console-i18n.test.ts reads both
// files to check that every zh-CN key exists in English and back, with the same placeholders).
export type Messages = typeof zhCN;
/** English must have every key zh-CN has (the compiler checks it here; the test checks both ways). */
const english: Messages = en;

export type Language = 'zh-CN' | 'en';
export const languages: readonly Language[] = ['zh-CN', 'en'];
const storageKey = 'mpstack.language';

export function savedLanguage(): Language {
  const saved = globalThis.localStorage?.getItem(storageKey);
  return saved === 'en' ? 'en' : 'zh-CN';
}

export function saveLanguage(language: Language): void {
  globalThis.localStorage?.setItem(storageKey, language);
}

/** One i18next instance for the app: zh-CN by default, English complete (its type is zh-CN's). */
export function createI18n(language: Language): i18n {
  const instance = i18next.createInstance();
  void instance.use(initReactI18next).init({
    lng: language,
    fallbackLng: 'zh-CN',
    resources: { 'zh-CN': { translation: zhCN }, en: { translation: english } },
    interpolation: { escapeValue: false },
    initAsync: false,
  });
  instance.on('languageChanged', (language: string) => {
    globalThis.document?.documentElement.setAttribute('lang', language);
  });
  return instance;
}
