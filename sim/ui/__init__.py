"""The classroom dashboard: watch and play a negotiation in the browser (``treatysim-ui``).

``state`` holds the dashboard's logic as plain functions over a :class:`~sim.model.NegotiationModel` (round log,
policy-map data, the end-of-talks explanation, controls, uploads, the Monte Carlo panel); ``figures`` draws the
policy map; ``app`` is the Solara page; ``launch`` starts the local web server. The shared classroom
(docs/classroom.md): ``rooms`` holds the rooms (codes, seats, rounds, saving), ``debrief`` sets the class against
the model and makes the downloads, ``classroom`` lays out the lobby, the console and a seat, and ``widgets`` holds
the components both pages use. Nothing in ``sim`` outside this
package imports Solara or Mesa's dashboard code: install the ``ui`` extra to use it.
"""
