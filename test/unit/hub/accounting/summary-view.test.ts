import { describe, expect, it } from 'vitest';
import { summaryColumns, toSummaryView } from '../../../../src/hub/accounting/summary-view.js';

describe('summary view', () => {
  it('shows the month dimension as YYYY-MM and times as ISO strings', () => {
    const row = {
      site_name: 'SITE-A',
      year: 2024,
      month: 2,
      wall_duration: 10,
      cpu_duration: 20,
      network_inbound: 0,
      network_outbound: 0,
      memory: 4096,
      disk: 20,
      number_of_vms: 3,
      earliest_start_time: 1706745600,
      latest_start_time: null,
    };
    expect(toSummaryView(row, ['site', 'month'])).toEqual({
      site: 'SITE-A',
      month: '2024-02',
      wallDuration: 10,
      cpuDuration: 20,
      networkInbound: 0,
      networkOutbound: 0,
      memory: 4096,
      disk: 20,
      numberOfVms: 3,
      earliestStartTime: '2024-02-01T00:00:00.000Z',
      latestStartTime: null,
    });
  });

  it('lists the dimension fields before the measures', () => {
    expect(summaryColumns(['vo', 'image']).slice(0, 3)).toEqual(['vo', 'imageId', 'wallDuration']);
  });
});
