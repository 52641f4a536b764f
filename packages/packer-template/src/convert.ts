export async function convertTemplate(): Promise<string> { return "" }
