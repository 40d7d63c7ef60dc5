import { Segmented } from 'antd';
import { useTranslation } from 'react-i18next';
import { type Language, saveLanguage } from '../i18n';

export function LanguageSwitch() {
  const { i18n } = useTranslation();
  return (
    <Segmented<Language>
      size="small"
      value={i18n.language === 'en' ? 'en' : 'zh-CN'}
      options={[
        { label: '中文', value: 'zh-CN' },
        { label: 'EN', value: 'en' },
      ]}
      onChange={(language) => {
        saveLanguage(language);
        void i18n.changeLanguage(language);
      }}
    />
  );
}
