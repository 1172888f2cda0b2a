"""The compare page (``/runs/compare?runs=a,b``): runs side by side, what differs between them
and which did better, and the "Compare" ticks of a flow's run history that lead there."""
