export async function runScale(_repoRoot: string, _settings: unknown): Promise<void> {}
