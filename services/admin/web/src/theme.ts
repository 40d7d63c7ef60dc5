import type { ThemeConfig } from 'antd';

/** The console's look, set through Ant Design's design tokens only (no CSS overrides). */
export const theme: ThemeConfig = {
  token: {
    colorPrimary: '#07c160',
    colorLink: '#0f7b4a',
    borderRadius: 6,
    fontFamily:
      "-apple-system, BlinkMacSystemFont, 'PingFang SC', 'Hiragino Sans GB', 'Microsoft YaHei', 'Noto Sans CJK SC', 'Segoe UI', Roboto, sans-serif",
  },
  components: {
    Layout: { headerBg: '#ffffff', siderBg: '#001529', bodyBg: '#f5f6f8', headerPadding: '0 24px' },
  },
};
