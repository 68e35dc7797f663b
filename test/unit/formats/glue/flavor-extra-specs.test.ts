import { describe, expect, it } from 'vitest';
import { parseFlavorExtraSpecs } from '../../../../src/formats/glue/index.js';

describe('parseFlavorExtraSpecs', () => {
  it('reads an accelerator from the EGI Accelerator:* keys, memory converted from GiB to MiB', () => {
    const info = parseFlavorExtraSpecs({
      'Accelerator:Type': 'gpu',
      'Accelerator:Number': '2',
      'Accelerator:Vendor': 'NVIDIA',
      'Accelerator:Model': 'Tesla A100',
      'Accelerator:Memory': '40',
      'Accelerator:VirtualizationType': 'vgpu',
    });
    expect(info.accelerator).toEqual({
      type: 'GPU',
      number: 2,
      vendor: 'NVIDIA',
      model: 'Tesla A100',
      memoryMb: 40960,
      virtualizationType: 'vgpu',
    });
  });

  it('makes no accelerator when Accelerator:Number is missing or empty, as cloud-info-provider does', () => {
    expect(parseFlavorExtraSpecs({ 'Accelerator:Vendor': 'NVIDIA' }).accelerator).toBeUndefined();
    expect(parseFlavorExtraSpecs({ 'Accelerator:Number': ' ' }).accelerator).toBeUndefined();
  });

  it('keeps a fractional accelerator number and defaults the type to GPU', () => {
    expect(parseFlavorExtraSpecs({ 'Accelerator:Number': '0.5' }).accelerator).toEqual({
      type: 'GPU',
      number: 0.5,
    });
  });

  it('reads the accounting benchmark', () => {
    const info = parseFlavorExtraSpecs({
      'accounting:benchmark_type': 'HEPSPEC06',
      'accounting:benchmark_value': '10.5',
    });
    expect(info.benchmark).toEqual({ type: 'HEPSPEC06', value: 10.5 });
  });

  it('reads an architecture from a required HW_ARCH trait or a capabilities filter', () => {
    expect(parseFlavorExtraSpecs({ 'trait:HW_ARCH_AARCH64': 'required' }).architecture).toBe('aarch64');
    expect(parseFlavorExtraSpecs({ 'capabilities:cpu_arch': 's== x86_64' }).architecture).toBe('x86_64');
    expect(parseFlavorExtraSpecs({}).architecture).toBeUndefined();
  });

  it('reads infiniband=true', () => {
    expect(parseFlavorExtraSpecs({ infiniband: 'True' }).hasInfiniband).toBe(true);
    expect(parseFlavorExtraSpecs({}).hasInfiniband).toBe(false);
  });
});
