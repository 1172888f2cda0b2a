// Block icons: the lucide name in a block description ("chart-bar", "chart_bar") to a
// lucide-react component, a box for any other name. The list is explicit on purpose: importing
// all of lucide-react makes the bundler emit one file per icon (about 2,000 requests), and
// each icon listed here is still one small request: keep the list short.
// tests/unit/ui/test_canvas_scene.py checks every catalogue block's icon is listed here, and
// the icons of people's own blocks (designer/userblocks/blocks.py ICONS).
import {
  Box,
  Brain,
  Calculator,
  ChartBar,
  ChartLine,
  ChartScatter,
  CloudUpload,
  Code,
  Database,
  FileSpreadsheet,
  Filter,
  Gauge,
  Layers,
  Network,
  Package,
  Rocket,
  Ruler,
  Server,
  Shuffle,
  Sigma,
  SlidersHorizontal,
  Split,
  Table,
  Target,
  Trees,
  TrendingUp,
} from 'lucide-react';

export const BLOCK_ICONS = {
  code: Code,
  'bar-chart': ChartBar,
  box: Box,
  brain: Brain,
  calculator: Calculator,
  'chart-bar': ChartBar,
  'chart-line': ChartLine,
  'chart-scatter': ChartScatter,
  'cloud-upload': CloudUpload,
  database: Database,
  'file-spreadsheet': FileSpreadsheet,
  filter: Filter,
  gauge: Gauge,
  layers: Layers,
  'line-chart': ChartLine,
  network: Network,
  package: Package,
  rocket: Rocket,
  ruler: Ruler,
  'scatter-chart': ChartScatter,
  server: Server,
  shuffle: Shuffle,
  sigma: Sigma,
  'sliders-horizontal': SlidersHorizontal,
  split: Split,
  table: Table,
  target: Target,
  trees: Trees,
  'trending-up': TrendingUp,
};

export function blockIcon(name) {
  const key = String(name ?? '')
    .trim()
    .toLowerCase()
    .replace(/[_\s]+/g, '-');
  return BLOCK_ICONS[key] ?? Box;
}
