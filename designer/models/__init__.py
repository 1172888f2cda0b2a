"""Deployed models as the designer serves them to people.

A run's "Deploy locally" block only packs its model (``blocks.runtime.model_bundle``); this
package publishes that bundle into the model folder for the person who ran the flow, if the
name is theirs (``publish``), tells the editor before a run whose a name is (``names``), and
lists and asks only the models a person may see (``deployed``). Who owns a name and who may see
a model is decided by ``designer.store.models``.
"""
