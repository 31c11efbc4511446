'use client';
// The one table of the app: columns declared once (header, cell, optional sort key), horizontal scroll
// on narrow screens, sortable headers with aria-sort, an empty state, and an optional row below a row
// (a webhook's delivery log). Pages add a column by adding an entry (a QC badge column, say).
import { Fragment, useMemo, useState, type ReactNode } from 'react';
import { Table, UnstyledButton, type TableProps } from '@mantine/core';

export interface Column<T> {
  key: string;
  header: ReactNode;
  cell: (row: T) => ReactNode;
  /** Makes the header a sort button; the value compared for this column. */
  sortValue?: (row: T) => number | string;
  /** Screen-reader-only header (action columns). */
  srOnlyHeader?: boolean;
  align?: 'left' | 'right' | 'center';
  nowrap?: boolean;
  width?: number | string;
}

export interface SortState {
  key: string;
  asc: boolean;
}

export function DataTable<T>(props: {
  columns: readonly Column<T>[];
  rows: readonly T[];
  rowKey: (row: T) => string;
  /** Extra attributes per row (data-testid, data-status...). */
  rowProps?: (row: T) => Record<string, string | number | undefined>;
  /** A full-width row right below a row (or null), with an id for aria-controls. */
  below?: (row: T) => ReactNode;
  belowId?: (row: T) => string;
  empty?: ReactNode;
  /** Below this width the table scrolls sideways instead of squeezing its columns. */
  minWidth?: number;
  testId?: string;
  ariaLabel?: string;
  initialSort?: SortState;
  striped?: boolean;
  verticalSpacing?: TableProps['verticalSpacing'];
  fz?: TableProps['fz'];
  busy?: boolean;
}) {
  const { columns, rows, rowKey } = props;
  const [sort, setSort] = useState<SortState | null>(props.initialSort ?? null);
  const sorted = useMemo(() => {
    const col = sort && columns.find((c) => c.key === sort.key && c.sortValue);
    if (!col || !sort) return rows;
    const v = col.sortValue!;
    return [...rows].sort((a, b) => {
      const ka = v(a);
      const kb = v(b);
      const c = ka < kb ? -1 : ka > kb ? 1 : 0;
      return sort.asc ? c : -c;
    });
  }, [rows, sort, columns]);

  if (rows.length === 0 && props.empty) return <>{props.empty}</>;

  const table = (
    <Table striped={props.striped} verticalSpacing={props.verticalSpacing ?? 'sm'} fz={props.fz} data-testid={props.testId} aria-label={props.ariaLabel} aria-busy={props.busy}>
      <Table.Thead>
        <Table.Tr>
          {columns.map((c) => {
            const active = sort?.key === c.key;
            return (
              <Table.Th key={c.key} ta={c.align} w={c.width} aria-sort={c.sortValue ? (active ? (sort!.asc ? 'ascending' : 'descending') : 'none') : undefined}>
                {c.srOnlyHeader ? (
                  <span className="sr-only">{c.header}</span>
                ) : c.sortValue ? (
                  <UnstyledButton onClick={() => setSort((s) => ({ key: c.key, asc: s?.key === c.key ? !s.asc : true }))} fw={700} fz="sm">
                    {c.header} {active ? (sort!.asc ? '▲' : '▼') : ''}
                  </UnstyledButton>
                ) : (
                  c.header
                )}
              </Table.Th>
            );
          })}
        </Table.Tr>
      </Table.Thead>
      <Table.Tbody>
        {sorted.map((row) => {
          const extra = props.below?.(row);
          return (
            <Fragment key={rowKey(row)}>
              <Table.Tr {...(props.rowProps?.(row) ?? {})}>
                {columns.map((c) => (
                  <Table.Td key={c.key} ta={c.align} style={c.nowrap ? { whiteSpace: 'nowrap' } : undefined}>
                    {c.cell(row)}
                  </Table.Td>
                ))}
              </Table.Tr>
              {extra ? (
                <Table.Tr id={props.belowId?.(row)}>
                  <Table.Td colSpan={columns.length} bg="var(--mantine-color-gray-0)">
                    {extra}
                  </Table.Td>
                </Table.Tr>
              ) : null}
            </Fragment>
          );
        })}
      </Table.Tbody>
    </Table>
  );
  return props.minWidth ? <Table.ScrollContainer minWidth={props.minWidth}>{table}</Table.ScrollContainer> : table;
}
