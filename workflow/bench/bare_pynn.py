"""The Vogels-Abbott COBA network from a stored network file, written plainly as a PyNN user would.

This is the yardstick of `make bench` (the overhead of our simulate job), not part of the
package: no logging, no provenance, no atomic writes, PyNN's own connectors and writers.

    python workflow/bench/bare_pynn.py nest network.npz OUT_DIR [G_EXC_nS G_INH_nS T_STOP_ms]
"""

import sys
from pathlib import Path

import numpy as np

backend, network_file, out_dir = sys.argv[1], sys.argv[2], Path(sys.argv[3])
g_exc, g_inh, t_stop = (float(x) for x in (sys.argv[4:7] or (4.0, 51.0, 1000.0)))
if backend == "nest":
    import pyNN.nest as sim
else:
    import pyNN.neuron as sim

net = np.load(network_file)
n_exc, n_inh = int(net["n_exc"]), int(net["n_inh"])
sim.setup(timestep=0.1, min_delay=0.2, max_delay=0.2)

cell = sim.IF_cond_exp(
    cm=0.2,
    tau_m=20.0,
    tau_syn_E=5.0,
    tau_syn_I=10.0,
    tau_refrac=5.0,
    v_rest=-60.0,
    v_thresh=-50.0,
    v_reset=-60.0,
    e_rev_E=0.0,
    e_rev_I=-80.0,
    i_offset=0.0,
)
exc = sim.Population(n_exc, cell, label="exc")
inh = sim.Population(n_inh, cell, label="inh")
exc.initialize(v=net["v_init_mV"][:n_exc])
inh.initialize(v=net["v_init_mV"][n_exc:])
source, times = net["thalamic_source"], net["thalamic_time_ms"]
trains = [sim.Sequence(np.sort(times[source == k])) for k in range(int(net["n_thalamic"]))]
thalamus = sim.Population(len(trains), sim.SpikeSourceArray(spike_times=trains), label="thalamus")

pre, post = net["pre"], net["post"]
pops = {"e": (exc, 0), "i": (inh, n_exc)}
for s in "ei":
    for t in "ei":
        (src, s0), (tgt, t0) = pops[s], pops[t]
        sel = (pre >= s0) & (pre < s0 + src.size) & (post >= t0) & (post < t0 + tgt.size)
        conn = sim.FromListConnector(np.column_stack([pre[sel] - s0, post[sel] - t0]))
        w = (g_exc if s == "e" else g_inh) * 1e-3
        sim.Projection(
            src,
            tgt,
            conn,
            sim.StaticSynapse(weight=w, delay=0.2),
            receptor_type="excitatory" if s == "e" else "inhibitory",
        )
thal_pre, thal_post = net["thalamic_pre"], net["thalamic_post"]
for tgt, t0 in pops.values():
    sel = (thal_post >= t0) & (thal_post < t0 + tgt.size)
    conn = sim.FromListConnector(np.column_stack([thal_pre[sel], thal_post[sel] - t0]))
    sim.Projection(thalamus, tgt, conn, sim.StaticSynapse(weight=0.1, delay=0.2), receptor_type="excitatory")

for pop in (exc, inh):
    pop.record("spikes")
    pop[0:100].record(["v", "gsyn_exc", "gsyn_inh"])
sim.run(t_stop)
out_dir.mkdir(parents=True, exist_ok=True)
exc.write_data(str(out_dir / "exc.pkl"))
inh.write_data(str(out_dir / "inh.pkl"))
sim.end()
