/** A stored menu as `/cgi-bin/menu/get` returns it. */
export interface StoredMenu {
  readonly button: readonly Readonly<Record<string, unknown>>[];
  readonly menuid: number;
  readonly matchrule?: Readonly<Record<string, unknown>>;
}

interface AccountMenus {
  menu: StoredMenu | undefined;
  conditional: StoredMenu[];
}

/** Default and conditional menus per account. */
export class MenuStore {
  private readonly menus = new Map<string, AccountMenus>();

  setDefault(appId: string, menu: StoredMenu): void {
    this.of(appId).menu = menu;
  }

  addConditional(appId: string, menu: StoredMenu): void {
    this.of(appId).conditional.push(menu);
  }

  get(appId: string): { readonly menu: StoredMenu | undefined; readonly conditional: readonly StoredMenu[] } {
    return this.of(appId);
  }

  /** Removes one conditional menu; false when the account has none with this id. */
  deleteConditional(appId: string, menuid: number): boolean {
    const menus = this.of(appId);
    const before = menus.conditional.length;
    menus.conditional = menus.conditional.filter((menu) => menu.menuid !== menuid);
    return menus.conditional.length !== before;
  }

  /** "Deletes the default menu AND all personalized menus" (api.json deleteMenu). */
  delete(appId: string): void {
    this.menus.delete(appId);
  }

  reset(): void {
    this.menus.clear();
  }

  private of(appId: string): AccountMenus {
    let menus = this.menus.get(appId);
    if (menus === undefined) {
      menus = { menu: undefined, conditional: [] };
      this.menus.set(appId, menus);
    }
    return menus;
  }
}
