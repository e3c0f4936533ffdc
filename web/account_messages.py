"""The words of sign-in, accounts, roles and the audit trail, in French (the default) and English.

Every key here renders a code of domain/accounts.py or web/coordinator_auth.py.
"""

from __future__ import annotations

FR: dict[str, str] = {
    "dash.login.email": "Adresse e-mail du compte",
    "dash.login.email_hint": "ou « admin » pour le compte d’amorçage",
    "dash.login.wrong": "Adresse ou mot de passe incorrect.",
    "dash.login.throttled": (
        "Trop de tentatives : réessayez dans {seconds} seconde(s). "
        "Même le bon mot de passe est refusé d’ici là."
    ),
    "dash.login.busy": "Le service vérifie beaucoup de connexions : réessayez dans un instant.",
    "dash.login.password_off": (
        "La connexion par mot de passe est désactivée : utilisez l’authentification unique."
    ),
    "dash.login.no_account": (
        "Aucun compte n’existe encore : créez-en un avec "
        "« tandem coordinator add EMAIL --role admin »."
    ),
    "dash.login.sso": "Se connecter avec l’authentification unique de l’entreprise",
    "dash.login.or": "ou",
    "dash.signed_in_as": "Connecté·e : {email} ({role})",
    "dash.role.admin": "administration",
    "dash.role.coordinator": "coordination",
    "dash.role.viewer": "lecture seule",
    "dash.read_only.title": "Lecture seule",
    "dash.read_only.body": (
        "Votre compte est en lecture seule : cette action est réservée à la coordination."
    ),
    "dash.concern.read": "Lire",
    "dash.concern.confidential": "contenu confidentiel, réservé à la coordination",
    "dash.concern.title": "Signalement confidentiel",
    "dash.concern.logged": "Votre lecture de ce signalement est inscrite au journal d’audit.",
    "dash.concern.raised_by": "Signalé par {name} le {when}",
    "dash.accounts": "Comptes",
    "dash.accounts.caption": "Comptes de la coordination",
    "dash.accounts.col.email": "Compte",
    "dash.accounts.col.role": "Rôle",
    "dash.accounts.col.programmes": "Programmes",
    "dash.accounts.col.last_sign_in": "Dernière connexion",
    "dash.accounts.col.sessions": "Sessions ouvertes",
    "dash.accounts.all_programmes": "tous",
    "dash.accounts.never": "jamais",
    "dash.accounts.manage": (
        "Les comptes se gèrent en ligne de commande : « tandem coordinator add | list | remove | "
        "set-password »."
    ),
    "dash.lockouts": "Connexions bloquées",
    "dash.lockouts.caption": "Échecs de connexion des 15 dernières minutes",
    "dash.lockouts.col.scope": "Compte ou adresse",
    "dash.lockouts.col.failures": "Échecs",
    "dash.lockouts.col.until": "Bloqué jusqu’à",
    "dash.lockouts.none": "Aucun échec de connexion récent.",
    "dash.lockouts.not_locked": "non bloqué",
    "dash.audit": "Journal d’audit",
    "dash.audit.accounts": "Journal d’audit des comptes",
    "dash.audit.caption": "Actions de la coordination, les plus récentes d’abord",
    "dash.audit.col.at": "Quand",
    "dash.audit.col.actor": "Qui",
    "dash.audit.col.action": "Action",
    "dash.audit.col.target": "Sur",
    "dash.audit.col.outcome": "Résultat",
    "dash.audit.none": "Aucune action enregistrée.",
    "dash.audit.outcome.done": "fait",
    "dash.audit.outcome.refused": "refusé",
    "dash.event.CoordinatorActed": "action de la coordination",
    "audit.signed_in": "connexion",
    "audit.signed_out": "déconnexion",
    "audit.sign_in_locked": "connexions bloquées après trop d’échecs",
    "audit.approved_matching": "appariement validé",
    "audit.banned_pair": "binôme exclu",
    "audit.forced_pair": "binôme imposé",
    "audit.swapped_mentors": "mentors échangés",
    "audit.re_paired": "mentoré réapparié",
    "audit.ended_pair": "binôme arrêté",
    "audit.nudged": "relance envoyée",
    "audit.opened_concern": "signalement lu",
    "audit.exported_report": "rapport consulté",
    "audit.exported_participant": "données d’une personne exportées",
    "audit.erased_participant": "données d’une personne effacées",
    "audit.added_account": "compte créé",
    "audit.removed_account": "compte supprimé",
    "audit.set_password": "mot de passe changé",
}

EN: dict[str, str] = {
    "dash.login.email": "Account e-mail address",
    "dash.login.email_hint": "or “admin” for the bootstrap account",
    "dash.login.wrong": "Wrong address or password.",
    "dash.login.throttled": (
        "Too many attempts: try again in {seconds} second(s). "
        "Even the right password is refused until then."
    ),
    "dash.login.busy": "The service is checking many sign-ins: try again in a moment.",
    "dash.login.password_off": "Password sign-in is off: use single sign-on.",
    "dash.login.no_account": (
        "No account exists yet: create one with “tandem coordinator add EMAIL --role admin”."
    ),
    "dash.login.sso": "Sign in with your company’s single sign-on",
    "dash.login.or": "or",
    "dash.signed_in_as": "Signed in: {email} ({role})",
    "dash.role.admin": "admin",
    "dash.role.coordinator": "coordinator",
    "dash.role.viewer": "read-only",
    "dash.read_only.title": "Read-only",
    "dash.read_only.body": "Your account is read-only: this action is for coordinators.",
    "dash.concern.read": "Read",
    "dash.concern.confidential": "confidential, for coordinators only",
    "dash.concern.title": "Confidential concern",
    "dash.concern.logged": "Your reading of this concern is recorded in the audit trail.",
    "dash.concern.raised_by": "Raised by {name} on {when}",
    "dash.accounts": "Accounts",
    "dash.accounts.caption": "Coordinator accounts",
    "dash.accounts.col.email": "Account",
    "dash.accounts.col.role": "Role",
    "dash.accounts.col.programmes": "Programmes",
    "dash.accounts.col.last_sign_in": "Last sign-in",
    "dash.accounts.col.sessions": "Open sessions",
    "dash.accounts.all_programmes": "all",
    "dash.accounts.never": "never",
    "dash.accounts.manage": (
        "Accounts are managed on the command line: “tandem coordinator add | list | remove | "
        "set-password”."
    ),
    "dash.lockouts": "Locked sign-ins",
    "dash.lockouts.caption": "Failed sign-ins of the last 15 minutes",
    "dash.lockouts.col.scope": "Account or address",
    "dash.lockouts.col.failures": "Failures",
    "dash.lockouts.col.until": "Locked until",
    "dash.lockouts.none": "No recent failed sign-in.",
    "dash.lockouts.not_locked": "not locked",
    "dash.audit": "Audit trail",
    "dash.audit.accounts": "Accounts audit trail",
    "dash.audit.caption": "Coordinator actions, newest first",
    "dash.audit.col.at": "When",
    "dash.audit.col.actor": "Who",
    "dash.audit.col.action": "Action",
    "dash.audit.col.target": "On",
    "dash.audit.col.outcome": "Outcome",
    "dash.audit.none": "No action recorded.",
    "dash.audit.outcome.done": "done",
    "dash.audit.outcome.refused": "refused",
    "dash.event.CoordinatorActed": "coordinator action",
    "audit.signed_in": "signed in",
    "audit.signed_out": "signed out",
    "audit.sign_in_locked": "sign-ins locked after too many failures",
    "audit.approved_matching": "matching approved",
    "audit.banned_pair": "pair banned",
    "audit.forced_pair": "pair forced",
    "audit.swapped_mentors": "mentors swapped",
    "audit.re_paired": "mentee re-paired",
    "audit.ended_pair": "pair ended",
    "audit.nudged": "reminder sent",
    "audit.opened_concern": "concern read",
    "audit.exported_report": "report viewed",
    "audit.exported_participant": "a person’s data exported",
    "audit.erased_participant": "a person’s data erased",
    "audit.added_account": "account added",
    "audit.removed_account": "account removed",
    "audit.set_password": "password changed",
}
