import { describe, expect, it } from 'vitest';
import { imageSyncStatusOf } from '../../../../src/site/jobs/image-sync-status.js';
import type { ImageSyncOutcome } from '../../../../src/site/jobs/index.js';

const steps = { upload: 0, patch: 0, share: 0, unshare: 0, keep: 0, retire: 0, prune: 0 };
const started = Date.parse('2026-12-03T10:00:00Z');

function outcome(overrides: Partial<ImageSyncOutcome> = {}): ImageSyncOutcome {
  return {
    site: 'SITE',
    isDryRun: false,
    sources: [
      {
        sourceId: 'appdb',
        trusted: true,
        status: 'synced',
        reasons: [],
        listVersion: '7',
        steps,
        errors: [],
      },
      {
        sourceId: 'other',
        trusted: false,
        status: 'held',
        reasons: ['cannot read the list'],
        steps,
        errors: [],
      },
    ],
    projects: [],
    plan: {
      tag: 'fedstack',
      notes: [],
      sources: [],
      steps: [
        {
          kind: 'keep',
          id: 'k1',
          sourceId: 'appdb',
          imageId: 'a',
          name: 'A',
          glanceImageId: 'g1',
          reason: 'current',
        },
        {
          kind: 'patch',
          id: 'p1',
          sourceId: 'appdb',
          imageId: 'b',
          name: 'B',
          glanceImageId: 'g2',
          setProperties: {},
          removeProperties: [],
        },
        {
          kind: 'prune',
          id: 'x1',
          sourceId: 'appdb',
          imageId: 'c',
          name: 'C',
          glanceImageId: 'g3',
          reason: 'dropped',
        },
        {
          kind: 'keep',
          id: 'k2',
          sourceId: 'other',
          imageId: 'd',
          name: 'D',
          glanceImageId: 'g4',
          reason: 'held',
        },
      ],
    },
    errors: [],
    notices: [],
    durationMs: 1500,
    ...overrides,
  };
}

describe('imageSyncStatusOf', () => {
  it('counts the listed images of trusted sources, and those with a failed step out of step', () => {
    const failed = outcome({
      errors: [{ stepId: 'p1', kind: 'patch', sourceId: 'appdb', name: 'B', message: 'Glance said 409' }],
    });
    const status = imageSyncStatusOf(failed, { config: '/etc/fedstack/site.yaml', startedAt: started });
    expect(status).toMatchObject({
      site: 'SITE',
      config: '/etc/fedstack/site.yaml',
      lastRunAt: '2026-12-03T10:00:00.000Z',
      finishedAt: '2026-12-03T10:00:01.500Z',
      ok: false,
      images: { listed: 2, inStep: 1 },
      sources: [
        { sourceId: 'appdb', status: 'synced', listVersion: '7' },
        { sourceId: 'other', status: 'held', reasons: ['cannot read the list'] },
      ],
      errors: [{ kind: 'patch', name: 'B', message: 'Glance said 409' }],
    });
    expect(status.lastSuccessAt).toBeUndefined();
  });

  it('keeps the last success of the previous status through a failed run, and sets it on an ok one', () => {
    const complete = outcome({ sources: [outcome().sources[0]!] });
    const first = imageSyncStatusOf(complete, { config: 'site.yaml', startedAt: started });
    expect(first).toMatchObject({ ok: true, lastSuccessAt: '2026-12-03T10:00:00.000Z' });
    const broken = outcome({ failure: { message: 'Keystone is unreachable', code: 'OPENSTACK_NETWORK' } });
    const later = imageSyncStatusOf(broken, { config: 'site.yaml', startedAt: started + 3_600_000 }, first);
    expect(later).toMatchObject({
      ok: false,
      lastRunAt: '2026-12-03T11:00:00.000Z',
      lastSuccessAt: '2026-12-03T10:00:00.000Z',
      images: { inStep: 0 },
      errors: [{ kind: 'run', name: 'SITE', message: 'Keystone is unreachable' }],
    });
  });
});
