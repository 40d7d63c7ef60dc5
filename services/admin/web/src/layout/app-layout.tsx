import { Breadcrumb, Button, Dropdown, Flex, Layout, Menu, type MenuProps, Select, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { Link, Outlet, useLocation, useNavigate } from 'react-router-dom';
import { type ConsolePage, pages } from '../pages';
import { useCan, useConsole } from '../session';
import { LanguageSwitch } from './language-switch';

function menuItems(visible: readonly ConsolePage[], t: (key: string) => string): NonNullable<MenuProps['items']> {
  const items: NonNullable<MenuProps['items']> = [];
  const groups = new Map<string, { key: string; label: string; children: { key: string; label: string }[] }>();
  for (const entry of visible) {
    const item = { key: entry.path, label: t(entry.label) };
    if (entry.parent === undefined) {
      items.push(item);
      continue;
    }
    let group = groups.get(entry.parent);
    if (group === undefined) {
      group = { key: entry.parent, label: t(entry.parent), children: [] };
      groups.set(entry.parent, group);
      items.push(group);
    }
    group.children.push(item);
  }
  return items;
}

function AccountSwitcher() {
  const { t } = useTranslation();
  const { accounts, account, setAccount } = useConsole();
  return (
    <Select<string>
      data-testid="account-switcher"
      style={{ minWidth: 240 }}
      showSearch={{ optionFilterProp: 'label' }}
      value={account ?? ''}
      onChange={(value) => setAccount(value === '' ? undefined : value)}
      options={[
        { value: '', label: t('app.allAccounts') },
        ...accounts.map((a) => ({ value: a.id, label: `${a.name} (${a.id})` })),
      ]}
    />
  );
}

function UserMenu() {
  const { t } = useTranslation();
  const { api, user, signedOut } = useConsole();
  const items: MenuProps['items'] = [
    { key: 'out', label: t('session.signOut') },
    { key: 'everywhere', label: t('session.signOutEverywhere') },
  ];
  const onClick: MenuProps['onClick'] = ({ key }) => {
    const done = key === 'everywhere' ? api.signOutEverywhere() : api.signOut();
    void done.finally(signedOut);
  };
  return (
    <Dropdown menu={{ items, onClick }}>
      <Button type="text" data-testid="user-menu">
        {user.displayName || user.username} · {t(`users.roles.${user.role}`)}
      </Button>
    </Dropdown>
  );
}

export function AppLayout() {
  const { t } = useTranslation();
  const can = useCan();
  const location = useLocation();
  const navigate = useNavigate();
  const visible = pages.filter((page) => can(page.permission) && page.hidden !== true);
  const current = pages.find((page) => page.path === location.pathname);
  const crumbs = [{ title: <Link to="/">{t('app.title')}</Link> }];
  if (current?.parent !== undefined) crumbs.push({ title: <span>{t(current.parent)}</span> });
  if (current !== undefined && current.path !== '/') crumbs.push({ title: <span>{t(current.label)}</span> });

  return (
    <Layout style={{ minHeight: '100vh' }}>
      <Layout.Sider width={208} breakpoint="lg" collapsible>
        <Typography.Title level={5} style={{ color: '#fff', margin: 16 }}>
          mpstack
        </Typography.Title>
        <Menu
          theme="dark"
          mode="inline"
          selectedKeys={[location.pathname]}
          defaultOpenKeys={['menu.logs']}
          items={menuItems(visible, t)}
          onClick={({ key }) => void navigate(key)}
        />
      </Layout.Sider>
      <Layout>
        <Layout.Header>
          <Flex align="center" justify="space-between" style={{ height: '100%' }} gap={16}>
            <Flex align="center" gap={8}>
              <Typography.Text type="secondary">{t('app.account')}</Typography.Text>
              <AccountSwitcher />
            </Flex>
            <Flex align="center" gap={12}>
              <LanguageSwitch />
              <UserMenu />
            </Flex>
          </Flex>
        </Layout.Header>
        <Layout.Content style={{ padding: '16px 24px' }}>
          <Breadcrumb items={crumbs} style={{ marginBottom: 16 }} />
          <Outlet />
        </Layout.Content>
      </Layout>
    </Layout>
  );
}
