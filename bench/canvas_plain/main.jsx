// A plain React Flow page: the same graph as the designer's canvas with nothing else around it.
// bench/canvas_bench.py builds this with bun, serves it on loopback and sets window.__GRAPH__
// (React Flow nodes and edges plus the blocks' titles and ports) before the page runs.
import { memo } from "react";
import { createRoot } from "react-dom/client";
import { Background, Controls, Handle, MiniMap, Position, ReactFlow } from "@xyflow/react";
import "@xyflow/react/dist/style.css";

const graph = window.__GRAPH__ ?? { nodes: [], edges: [], blocks: {} };
const options = { onlyRenderVisibleElements: true, minimap: false, ...window.__OPTIONS__ };
// As the designer's canvas fits the flow when it mounts.
const FIT = { padding: 0.15, maxZoom: 1 };

function Port({ name, type }) {
  const input = type === "target";
  return (
    <div className={input ? "port port-in" : "port port-out"}>
      <Handle type={type} position={input ? Position.Left : Position.Right} id={name} />
      {name}
    </div>
  );
}

// A node about as heavy as the designer's: a title, a subtitle and one handle per port.
const BlockNode = memo(function BlockNode({ data, selected }) {
  const block = graph.blocks[data.block] ?? { title: data.block, inputs: [], outputs: [] };
  return (
    <div className={selected ? "block selected" : "block"}>
      <div className="block-title">{data.label || block.title}</div>
      <div className="block-id">{data.block}</div>
      <div className="block-ports">
        <div>
          {block.inputs.map((name) => (
            <Port key={name} name={name} type="target" />
          ))}
        </div>
        <div>
          {block.outputs.map((name) => (
            <Port key={name} name={name} type="source" />
          ))}
        </div>
      </div>
    </div>
  );
});

const nodeTypes = { block: BlockNode };

function App() {
  return (
    <div style={{ width: "100vw", height: "100vh" }}>
      <ReactFlow
        defaultNodes={graph.nodes}
        defaultEdges={graph.edges}
        nodeTypes={nodeTypes}
        fitView
        fitViewOptions={FIT}
        minZoom={0.05}
        maxZoom={2}
        onlyRenderVisibleElements={Boolean(options.onlyRenderVisibleElements)}
        proOptions={{ hideAttribution: true }}
      >
        <Background />
        {options.minimap && <MiniMap pannable zoomable />}
        <Controls />
      </ReactFlow>
    </div>
  );
}

createRoot(document.getElementById("root")).render(<App />);
