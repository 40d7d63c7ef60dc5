/** The ingress's receipt groups so far (its /metrics), or undefined when it does not report them. */
export async function receiptGroups(base: string): Promise<{ messages: number; receipts: number } | undefined> {
  try {
    const text = await (await fetch(`${base}/metrics`)).text();
    const value = (name: string) =>
      text
        .split('\n')
        .filter((line) => line.startsWith(name))
        .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
    return { messages: value('mpstack_receipt_messages_total'), receipts: value('mpstack_receipts_grouped_total') };
  } catch {
    return undefined;
  }
}
