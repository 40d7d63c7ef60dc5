import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { I18nextProvider } from 'react-i18next';
import { AdminApi } from './api/client';
import { App } from './app';
import { createI18n, savedLanguage } from './i18n';

const root = document.getElementById('root');
if (root !== null) {
  createRoot(root).render(
    <StrictMode>
      <I18nextProvider i18n={createI18n(savedLanguage())}>
        <App api={new AdminApi()} />
      </I18nextProvider>
    </StrictMode>,
  );
}
